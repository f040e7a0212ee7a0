"""`WWW-Authenticate` challenges of a registry (RFC 7235), parsed without I/O.

`Bearer realm="https://auth/token",service="registry",scope="repository:a/b:pull"` →
Challenge("bearer", {"realm": ..., "service": ..., "scope": ...}). Several challenges may share
one header (`Basic realm="x", Bearer realm="y"`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_SCHEME = re.compile(r"\s*([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)")
_PARAM = re.compile(r'\s*([A-Za-z0-9!#$%&\'*+.^_`|~-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s,]*)\s*,?')


@dataclass(frozen=True)
class Challenge:
    scheme: str                                   # lower-case: "basic" or "bearer"
    params: dict[str, str] = field(default_factory=dict)


def parse_challenges(header: str) -> list[Challenge]:
    """Every challenge in one header value, in order."""
    challenges: list[Challenge] = []
    pos = 0
    while pos < len(header):
        scheme = _SCHEME.match(header, pos)
        if not scheme:
            break
        pos = scheme.end()
        params: dict[str, str] = {}
        while True:
            param = _PARAM.match(header, pos)
            if not param or _starts_new_challenge(header, pos):
                break
            params[param.group(1).lower()] = _unquote(param.group(2))
            pos = param.end()
        challenges.append(Challenge(scheme.group(1).lower(), params))
        pos = _skip_separators(header, pos)
    return challenges


def _starts_new_challenge(header: str, pos: int) -> bool:
    """`Basic realm="x", Bearer realm="y"`: a bare token followed by a space starts a new one."""
    match = re.compile(r"\s*[A-Za-z][A-Za-z0-9._-]*\s+[A-Za-z0-9]").match(header, pos)
    return match is not None and "=" not in header[pos:match.end() - 1]


def _skip_separators(header: str, pos: int) -> int:
    while pos < len(header) and header[pos] in " ,":
        pos += 1
    return pos


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value


def scope(repository: str, actions: tuple[str, ...]) -> str:
    """The token scope for a repository path: `repository:library/busybox:pull,push`."""
    return f"repository:{repository}:{','.join(actions)}"
