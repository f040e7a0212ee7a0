"""Instruction flags (`--from=base`, `--link`, `--mount=...` repeated), read as BuildKit's
parser reads them (pure): the leading words that start with `--` (quotes removed, the escape
character honoured, `--` ends them), each checked against the instruction's flags and their
kinds: a string needs a value and may be given once, a boolean is `true`/`false` (no value:
true), a list flag may repeat.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dockyard.errors import InvalidArgument

STRING, BOOL, LIST = "string", "bool", "list"
_HEALTH = {"interval": STRING, "timeout": STRING, "start-period": STRING, "start-interval": STRING,
           "retries": STRING}
SPECS: dict[str, dict[str, str]] = {
    "FROM": {"platform": STRING},
    "COPY": {"from": STRING, "chown": STRING, "chmod": STRING, "link": BOOL, "parents": BOOL, "exclude": LIST},
    "ADD": {"chown": STRING, "chmod": STRING, "link": BOOL, "keep-git-dir": BOOL, "checksum": STRING,
            "unpack": BOOL, "exclude": LIST},
    "RUN": {"mount": LIST, "network": STRING, "security": STRING},
    "HEALTHCHECK": _HEALTH,
}


@dataclass(frozen=True)
class Flags:
    values: dict[str, str] = field(default_factory=dict)        # strings, and booleans as "true"/"false"
    lists: dict[str, list[str]] = field(default_factory=dict)   # repeatable flags, in order


def split_flags(keyword: str, rest: str, escape: str) -> tuple[Flags, str]:
    """The flags at the start of `rest` and the text after them."""
    spec = SPECS.get(keyword)
    if not spec:
        return Flags(), rest
    words, rest = _flag_words(rest, escape)
    flags = Flags()
    for word in words:
        _apply(flags, spec, word)
    return flags, rest


def _apply(flags: Flags, spec: dict[str, str], word: str) -> None:
    name, eq, value = word.partition("=")
    if not name.startswith("--"):
        raise InvalidArgument(f"arg should start with -- : {word}")
    key = name[2:]
    kind = spec.get(key)
    if kind is None:
        raise InvalidArgument(f"unknown flag: {key}")
    if kind != LIST and key in flags.values:
        raise InvalidArgument(f"duplicate flag specified: {name}")
    if kind == BOOL:
        if eq and not value:
            raise InvalidArgument(f"missing a value on flag: {name}")
        if value.lower() not in ("", "true", "false"):
            raise InvalidArgument(f"expecting boolean value for flag {name}, not: {value}")
        flags.values[key] = "false" if value.lower() == "false" else "true"
        return
    if not eq:
        raise InvalidArgument(f"missing a value on flag: {name}")
    if kind == LIST:
        flags.lists.setdefault(key, []).append(value)
    else:
        flags.values[key] = value


def _flag_words(line: str, escape: str) -> tuple[list[str], str]:
    """BuildKit's extractBuilderFlags: words starting with `--`, up to the first other word."""
    words: list[str] = []
    pos = 0
    while True:
        while pos < len(line) and line[pos].isspace():
            pos += 1
        if not line.startswith("--", pos):
            return words, line[pos:].strip()
        word, pos = _one_word(line, pos, escape)
        if word == "--":
            return words, line[pos:].strip()
        if word:
            words.append(word)


def _one_word(line: str, pos: int, escape: str) -> tuple[str, int]:
    out: list[str] = []
    quote = ""
    while pos < len(line):
        ch = line[pos]
        if not quote and ch.isspace():
            break
        pos += 1
        if quote and ch == quote:
            quote = ""
            continue
        if not quote and ch in ("'", '"'):
            quote = ch
            continue
        if ch == escape:
            if pos == len(line):
                continue  # a trailing escape is dropped
            ch = line[pos]
            pos += 1
        out.append(ch)
    return "".join(out), pos
