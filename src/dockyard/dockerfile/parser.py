"""Logical lines → instructions: flags, JSON or shell form, key=value pairs (pure).

Values are kept as written (quotes, `$VAR`): substitution happens when the build reaches
the instruction, with the ARG and ENV values in effect there.
"""

from __future__ import annotations

import json
import functools
from dataclasses import dataclass, field

from dockyard.dockerfile.lexer import Line, lex
from dockyard.errors import InvalidArgument

KEYWORDS = {"FROM", "RUN", "CMD", "ENTRYPOINT", "SHELL", "COPY", "ADD", "ENV", "ARG", "LABEL",
            "WORKDIR", "USER", "EXPOSE", "VOLUME", "HEALTHCHECK", "STOPSIGNAL", "ONBUILD",
            "MAINTAINER"}
_JSON_CAPABLE = {"RUN", "CMD", "ENTRYPOINT", "SHELL", "COPY", "ADD", "VOLUME"}
_FLAGS = {
    "FROM": {"platform"},
    "COPY": {"from", "chown", "chmod", "link", "parents", "exclude"},
    "ADD": {"chown", "chmod", "link", "checksum", "keep-git-dir", "exclude"},
    "RUN": {"mount", "network", "security"},
    "HEALTHCHECK": {"interval", "timeout", "start-period", "start-interval", "retries"},
}
_BUILDKIT_ONLY = {("RUN", "mount"), ("RUN", "network"), ("RUN", "security"), ("COPY", "parents"),
                  ("COPY", "exclude"), ("ADD", "exclude"), ("ADD", "checksum"), ("ADD", "keep-git-dir")}


@dataclass(frozen=True)
class Instruction:
    keyword: str
    args: list[str]                 # JSON array items, or the words / text as written
    original: str
    lineno: int
    json_form: bool = False
    flags: dict[str, str] = field(default_factory=dict)
    pairs: list[tuple[str, str | None]] = field(default_factory=list)   # ENV, LABEL, ARG (value None: no default)
    trigger: "Instruction | None" = None                           # ONBUILD's instruction

    @property
    def text(self) -> str:
        """The argument text (after flags) as one string: the shell form's command."""
        return self.args[0] if self.args else ""


@dataclass(frozen=True)
class Dockerfile:
    instructions: list[Instruction]
    escape: str


def parse(text: str) -> Dockerfile:
    lexed = lex(text)
    instructions = [parse_line(line, lexed.escape) for line in lexed.lines]
    if not instructions:
        raise InvalidArgument("the Dockerfile (Dockerfile) cannot be empty")
    return Dockerfile(instructions, lexed.escape)


def parse_line(line: Line, escape: str) -> Instruction:
    try:
        return _parse(line, escape)
    except InvalidArgument as err:
        raise InvalidArgument(f"dockerfile parse error line {line.lineno}: {err.message}") from None


def _parse(line: Line, escape: str) -> Instruction:
    keyword = line.keyword
    if keyword not in KEYWORDS:
        raise InvalidArgument(f"unknown instruction: {keyword}")
    flags, rest = _split_flags(keyword, line.rest, escape)
    instruction = functools.partial(Instruction, keyword=keyword, original=line.original, lineno=line.lineno,
                                    flags=flags)
    if keyword == "ONBUILD":
        return instruction(args=[rest], trigger=_onbuild_trigger(rest, line, escape))
    if keyword in ("ENV", "LABEL"):
        return instruction(args=[rest], pairs=_name_values(keyword, rest, escape))
    if keyword == "ARG":
        return instruction(args=[rest], pairs=_arg_pairs(rest, escape))
    json_args = _json_array(rest) if keyword in _JSON_CAPABLE else None
    if keyword == "SHELL" and json_args is None:
        raise InvalidArgument("SHELL requires the arguments to be in JSON form")
    if json_args is not None:
        args, is_json = json_args, True
    elif keyword in ("COPY", "ADD", "FROM", "EXPOSE", "VOLUME"):
        args, is_json = split_words(rest, escape), False
    else:
        args, is_json = ([rest] if rest else []), False
    _check_count(keyword, args, rest)
    return instruction(args=args, json_form=is_json)


def _check_count(keyword: str, args: list[str], rest: str) -> None:
    if keyword == "FROM" and not (len(args) == 1 or (len(args) == 3 and args[1].lower() == "as")):
        raise InvalidArgument("FROM requires either one or three arguments")
    if keyword in ("COPY", "ADD") and len(args) < 2:
        raise InvalidArgument(f"{keyword} requires at least two arguments, but only one was provided. "
                              "Destination could not be determined.")
    if keyword in ("WORKDIR", "USER", "STOPSIGNAL", "EXPOSE", "VOLUME", "MAINTAINER", "HEALTHCHECK",
                   "ENTRYPOINT", "RUN") and not args:
        raise InvalidArgument(f"{keyword} requires at least one argument")


def _onbuild_trigger(rest: str, line: Line, escape: str) -> Instruction:
    keyword = rest.split(None, 1)[0].upper() if rest.strip() else ""
    if not keyword:
        raise InvalidArgument("ONBUILD requires at least one argument")
    if keyword == "ONBUILD":
        raise InvalidArgument("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed")
    if keyword in ("FROM", "MAINTAINER"):
        raise InvalidArgument(f"{keyword} isn't allowed as an ONBUILD trigger")
    inner = lex(rest).lines[0]
    return _parse(Line(inner.keyword, inner.rest, inner.original, line.lineno), escape)


def _split_flags(keyword: str, rest: str, escape: str) -> tuple[dict[str, str], str]:
    """Leading `--name=value` words of the instructions that take flags."""
    allowed = _FLAGS.get(keyword)
    flags: dict[str, str] = {}
    if not allowed:
        return flags, rest
    while rest.startswith("--"):
        word, _, remainder = rest.partition(" ")
        if word == "--":
            return flags, remainder.lstrip()
        name, eq, value = word[2:].partition("=")
        if name not in allowed:
            raise InvalidArgument(f"unknown flag: {name}")
        if (keyword, name) in _BUILDKIT_ONLY:
            raise InvalidArgument(f"the --{name} option requires BuildKit. Refer to "
                                  "https://docs.docker.com/go/buildkit/ to learn how to build images with "
                                  "BuildKit enabled")
        flags[name] = value if eq else "true"
        rest = remainder.lstrip()
    return flags, rest


def _json_array(rest: str) -> list[str] | None:
    if not rest.startswith("["):
        return None
    try:
        value = json.loads(rest)
    except ValueError:
        return None
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    return None


def split_words(text: str, escape: str = "\\") -> list[str]:
    """Whitespace-separated words; quotes and escapes kept (substitution removes them)."""
    words: list[str] = []
    current: list[str] = []
    quote, in_word = "", False
    index = 0
    while index < len(text):
        ch = text[index]
        if not quote and ch in " \t\n":
            if in_word:
                words.append("".join(current))
                current, in_word = [], False
            index += 1
            continue
        in_word = True
        current.append(ch)
        if ch == escape and quote != "'" and index + 1 < len(text):
            current.append(text[index + 1])
            index += 2
            continue
        if quote and ch == quote:
            quote = ""
        elif not quote and ch in ("'", '"'):
            quote = ch
        index += 1
    if in_word:
        words.append("".join(current))
    return words


def _name_values(keyword: str, rest: str, escape: str) -> list[tuple[str, str | None]]:
    words = split_words(rest, escape)
    if not words:
        raise InvalidArgument(f"{keyword} requires at least one argument")
    if "=" not in words[0]:  # the legacy `ENV NAME value words` form
        name, _, value = rest.strip().partition(" ")
        if not value.strip() and keyword == "ENV":
            raise InvalidArgument("ENV must have two arguments")
        return [(name, value.strip())]
    pairs: list[tuple[str, str | None]] = []
    for word in words:
        name, eq, value = word.partition("=")
        if not eq:
            raise InvalidArgument(f"Syntax error - can't find = in \"{word}\". Must be of the form: name=value")
        if not name:
            raise InvalidArgument(f"{keyword} names can not be blank")
        pairs.append((name, value))
    return pairs


def _arg_pairs(rest: str, escape: str) -> list[tuple[str, str | None]]:
    words = split_words(rest, escape)
    if not words:
        raise InvalidArgument("ARG requires at least one argument")
    pairs: list[tuple[str, str | None]] = []
    for word in words:
        name, eq, value = word.partition("=")
        if not name:
            raise InvalidArgument("ARG names can not be blank")
        pairs.append((name, value if eq else None))
    return pairs
