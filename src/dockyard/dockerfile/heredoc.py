"""Here-documents in RUN, COPY and ADD (pure), as BuildKit's Dockerfile parser reads them.

A word of the instruction line of the form `<<NAME`, `<<-NAME`, `<<"NAME"` (optionally after a
file-descriptor number) opens a here-document; the following lines up to one holding only
NAME are its content (with `<<-`, leading tabs are stripped from the terminator and the
content). Quoting any part of NAME turns off variable expansion of the content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dockyard.dockerfile.shell_words import ShellLex, json_array, split_words
from dockyard.errors import InvalidArgument

KEYWORDS = {"RUN", "COPY", "ADD"}
_WORD = re.compile(r"^(\d*)<<(-?)\s*([^<]*)$")
_LEADING_TABS = re.compile(r"^\t+", re.MULTILINE)


@dataclass(frozen=True)
class Heredoc:
    name: str
    content: str = ""
    expand: bool = True      # no quotes in the delimiter: $VARS in the content are expanded
    chomp: bool = False      # `<<-`: leading tabs stripped

    @property
    def text(self) -> str:
        """The content as the instruction uses it (tabs stripped for `<<-`)."""
        return chomp(self.content) if self.chomp else self.content


def chomp(content: str) -> str:
    return _LEADING_TABS.sub("", content)


class _Unset(dict):
    """Variables left as written (`$X` stays `$X`): delimiters are read without any env."""

    def get(self, key, default=None):
        return "$" + key


def parse_word(word: str) -> Heredoc | None:
    """The here-document a word opens (`<<EOF`, `<<-'EOF'`, `2<<EOF`), or None."""
    match = _WORD.match(word)
    if not match or not match.group(3):
        return None
    rest = match.group(3)
    try:
        names = ShellLex("\\").expand_words(rest, _Unset())
    except InvalidArgument:
        return None
    if len(names) != 1:
        return None
    raw = split_words(rest)
    name = names[0]
    quotes = name.count("'") + name.count('"')
    raw_quotes = raw[0].count("'") + raw[0].count('"') if raw else quotes
    return Heredoc(name, expand=quotes == raw_quotes, chomp=match.group(2) == "-")


def openers(line: str) -> list[Heredoc]:
    """The here-documents a logical instruction line opens, in order."""
    return [doc for doc in (parse_word(w) for w in split_words(line)) if doc is not None]


def may_open(keyword: str, rest: str) -> bool:
    """Whether an instruction (keyword, text after it) can open here-documents: RUN, COPY and
    ADD (also as ONBUILD triggers) in shell form, with `<<` somewhere."""
    if "<<" not in rest:
        return False
    if keyword == "ONBUILD":
        keyword, _, rest = rest.strip().partition(" ")
        keyword = keyword.upper()
    if keyword not in KEYWORDS:
        return False
    return json_array(_after_flags(rest).strip()) is None


def collect(lines: list[str], start: int, docs: list[Heredoc]) -> tuple[list[Heredoc], int]:
    """Read the bodies of `docs` from `lines[start:]` (each line with its newline); returns
    the filled documents and the index of the first line after the last terminator."""
    filled = []
    index = start
    for doc in docs:
        body: list[str] = []
        while True:
            if index >= len(lines):
                raise ValueError("unterminated heredoc")
            line = lines[index]
            index += 1
            candidate = line.rstrip("\r\n")
            if doc.chomp:
                candidate = candidate.lstrip("\t")
            if candidate == doc.name:
                break
            body.append(line)
        filled.append(Heredoc(doc.name, "".join(body), doc.expand, doc.chomp))
    return filled, index


def summary(content: str) -> str:
    """BuildKit's short name of a here-document: its first line, `...` if there are more."""
    lines = content.strip().replace("\r\n", "\n").split("\n")
    return lines[0] + ("..." if len(lines) > 1 else "")


def _after_flags(rest: str) -> str:
    words = rest.strip()
    while words.startswith("--"):
        _, _, words = words.partition(" ")
        words = words.lstrip()
    return words
