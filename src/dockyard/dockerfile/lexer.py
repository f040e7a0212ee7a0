"""Dockerfile text → logical lines: parser directives, comments, line continuations and
here-documents (pure).

Docker's rules: `# key=value` directives (`escape`, `syntax`, `check`) only before anything
else; a line ending in the escape character continues on the next one; comment lines and
empty lines inside a continuation are dropped; the keyword is the first word, any case. A RUN,
COPY or ADD line that opens here-documents (`<<EOF`) takes the lines after it, up to each
document's terminator, as their content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from dockyard.dockerfile import heredoc
from dockyard.dockerfile.heredoc import Heredoc
from dockyard.errors import InvalidArgument

_DIRECTIVE = re.compile(r"^#[ \t]*([a-zA-Z][a-zA-Z0-9]*)[ \t]*=[ \t]*(.+?)[ \t]*$")
_KNOWN_DIRECTIVES = {"escape", "syntax", "check"}


@dataclass(frozen=True)
class Line:
    keyword: str       # upper case, e.g. "RUN"
    rest: str          # everything after the keyword, continuations joined, trimmed
    original: str      # the instruction as Docker prints it in "Step N/M : ..."
    lineno: int        # where it starts (1-based)
    heredocs: tuple[Heredoc, ...] = field(default=())


@dataclass(frozen=True)
class Lexed:
    lines: list[Line]
    escape: str
    directives: dict[str, str]


def lex(text: str) -> Lexed:
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    physical = text.split("\n")
    with_newlines = [line + "\n" for line in physical[:-1]] + [physical[-1]]
    directives, start = _directives(physical)
    escape = directives.get("escape", "\\")
    if escape not in ("\\", "`"):
        raise InvalidArgument(f"invalid ESCAPE '{escape}'. Must be ` or \\")
    # a trailing escape not itself escaped (BuildKit's rule: `a\\\\` does not continue)
    continuation = re.compile(f"(?<!{re.escape(escape)}){re.escape(escape)}[ \\t]*$")
    lines: list[Line] = []
    pending: list[str] = []
    first_lineno = 0
    index = start
    while index < len(physical):
        raw = physical[index]
        index += 1
        stripped = raw.strip()
        if stripped.startswith("#") or not stripped:
            continue  # comments and blank lines never end a continuation
        if not pending:
            first_lineno = index
        match = continuation.search(raw)
        if match:
            pending.append(raw[:match.start()].lstrip() if not pending else raw[:match.start()])
            continue
        pending.append(raw if pending else raw.lstrip())
        line = _line("".join(pending), first_lineno)
        pending = []
        if heredoc.may_open(line.keyword, line.rest):
            line, index = _with_heredocs(line, with_newlines, index)
        lines.append(line)
    if pending:
        joined = "".join(pending)
        if joined.strip():
            lines.append(_line(joined, first_lineno))
    return Lexed(lines, escape, directives)


def _with_heredocs(line: Line, physical: list[str], index: int) -> tuple[Line, int]:
    docs = heredoc.openers(line.rest)
    if not docs:
        return line, index
    try:
        filled, index = heredoc.collect(physical, index, docs)
    except ValueError as err:
        raise InvalidArgument(f"dockerfile parse error line {line.lineno}: {err}") from None
    return Line(line.keyword, line.rest, line.original, line.lineno, tuple(filled)), index


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
