"""Dockerfile text → logical lines: parser directives, comments and line continuations (pure).

Docker's rules: `# key=value` directives (`escape`, `syntax`, `check`) only before anything
else; a line ending in the escape character continues on the next one; comment lines and
empty lines inside a continuation are dropped; the keyword is the first word, any case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dockyard.errors import InvalidArgument

_DIRECTIVE = re.compile(r"^#[ \t]*([a-zA-Z][a-zA-Z0-9]*)[ \t]*=[ \t]*(.+?)[ \t]*$")
_KNOWN_DIRECTIVES = {"escape", "syntax", "check"}


@dataclass(frozen=True)
class Line:
    keyword: str       # upper case, e.g. "RUN"
    rest: str          # everything after the keyword, continuations joined, trimmed
    original: str      # the instruction as Docker prints it in "Step N/M : ..."
    lineno: int        # where it starts (1-based)


@dataclass(frozen=True)
class Lexed:
    lines: list[Line]
    escape: str
    directives: dict[str, str]


def lex(text: str) -> Lexed:
    physical = text.replace("\r\n", "\n").split("\n")
    directives, start = _directives(physical)
    escape = directives.get("escape", "\\")
    if escape not in ("\\", "`"):
        raise InvalidArgument(f"invalid ESCAPE '{escape}'. Must be ` or \\")
    continuation = re.compile(re.escape(escape) + r"[ \t]*$")
    lines: list[Line] = []
    pending: list[str] = []
    first_lineno = 0
    for index in range(start, len(physical)):
        raw = physical[index]
        stripped = raw.strip()
        if stripped.startswith("#") or (not stripped and pending):
            continue  # comments and blank lines never end a continuation
        if not stripped:
            continue
        if not pending:
            first_lineno = index + 1
        match = continuation.search(raw)
        if match:
            pending.append(raw[:match.start()].lstrip() if not pending else raw[:match.start()])
            continue
        pending.append(raw if pending else raw.lstrip())
        lines.append(_line("".join(pending), first_lineno))
        pending = []
    if pending:
        joined = "".join(pending)
        if joined.strip():
            lines.append(_line(joined, first_lineno))
    return Lexed(lines, escape, directives)


def _directives(physical: list[str]) -> tuple[dict[str, str], int]:
    """Leading `# key=value` lines; returns them and the index of the first other line."""
    found: dict[str, str] = {}
    for index, raw in enumerate(physical):
        match = _DIRECTIVE.match(raw.strip())
        if not match or match.group(1).lower() not in _KNOWN_DIRECTIVES:
            return found, index
        key = match.group(1).lower()
        if key in found:
            raise InvalidArgument(f"only one {key} parser directive can be used")
        found[key] = match.group(2)
    return found, len(physical)


def _line(joined: str, lineno: int) -> Line:
    text = joined.strip()
    keyword, _, rest = text.partition(" ")
    if "\t" in keyword:
        keyword, _, more = keyword.partition("\t")
        rest = more + " " + rest if rest else more
    return Line(keyword.upper(), rest.strip(), text, lineno)
