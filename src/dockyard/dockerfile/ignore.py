""".dockerignore: Docker's pattern semantics (pure).

Patterns are cleaned paths relative to the context root (a leading `/` is dropped); `*`, `?`
and `[...]` match within one path element, `**` any number of elements; `!` re-includes.
The last pattern that matches a path (or one of its parent directories) decides.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Pattern:
    text: str
    exclusion: bool          # a `!pattern`: re-include what matches
    regex: re.Pattern


def read_patterns(text: str) -> list[str]:
    """The patterns of a .dockerignore file: comments and blank lines dropped."""
    patterns = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        patterns.append(line)
    return patterns


class IgnoreMatcher:
    def __init__(self, patterns: list[str]):
        self.patterns = [p for p in (_compile(text) for text in patterns) if p is not None]

    def ignored(self, path: str) -> bool:
        """Whether `path` (relative to the context, `/`-separated) is left out."""
        path = _clean(path)
        parents = _parents(path)
        ignored = False
        for pattern in self.patterns:
            if pattern.exclusion != ignored:
                continue  # cannot change the outcome
            if pattern.regex.fullmatch(path) or any(pattern.regex.fullmatch(p) for p in parents):
                ignored = not pattern.exclusion
        return ignored

    def may_reinclude_under(self, directory: str) -> bool:
        """Whether some `!` pattern could re-include a path under an ignored `directory`."""
        directory = _clean(directory)
        for pattern in self.patterns:
            if not pattern.exclusion:
                continue
            text = pattern.text
            if "**" in text or text.startswith(directory + "/") or _prefix_could_match(text, directory):
                return True
        return False


def _compile(text: str) -> Pattern | None:
    exclusion = text.startswith("!")
    if exclusion:
        text = text[1:].strip()
    cleaned = _clean(text)
    if not cleaned or cleaned == ".":
        return None
    return Pattern(cleaned, exclusion, re.compile(_to_regex(cleaned)))


def _clean(path: str) -> str:
    path = posixpath.normpath(path) if path else ""
    path = path.lstrip("/")
    return "" if path == "." else path


def _parents(path: str) -> list[str]:
    parts = path.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts))]


def _to_regex(pattern: str) -> str:
    out = []
    index = 0
    while index < len(pattern):
        ch = pattern[index]
        if pattern.startswith("**", index):
            index += 2
            if pattern.startswith("/", index):  # `**/` matches zero or more directories
                index += 1
                out.append("(?:.*/)?")
            else:
                out.append(".*")
            continue
        if ch == "*":
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "[":
            end = pattern.find("]", index + 1)
            if end == -1:
                out.append(re.escape(ch))
            else:
                body = pattern[index + 1:end]
                if body.startswith(("^", "!")):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                index = end
        elif ch == "\\" and index + 1 < len(pattern):
            index += 1
            out.append(re.escape(pattern[index]))
        else:
            out.append(re.escape(ch))
        index += 1
    return "".join(out)


def _prefix_could_match(pattern: str, directory: str) -> bool:
    """A pattern whose leading elements could match `directory` (wildcards in them)."""
    pattern_parts, dir_parts = pattern.split("/"), directory.split("/")
    if len(pattern_parts) <= len(dir_parts):
        return False
    head = "/".join(pattern_parts[:len(dir_parts)])
    return re.fullmatch(_to_regex(head), directory) is not None
