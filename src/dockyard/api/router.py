"""Route tables: patterns with `{name}` and `{name:path}` placeholders, matched in order."""

import re
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

from dockyard.errors import NotFound

Handler = Callable[..., Awaitable[Any]]
_PLACEHOLDER = re.compile(r"\{(\w+)(?::(path))?\}")


@dataclass
class Route:
    method: str
    pattern: str
    handler: Handler
    regex: re.Pattern = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.regex = re.compile("^" + _PLACEHOLDER.sub(_group, self.pattern) + "$")


def _group(match: re.Match) -> str:
    name, kind = match.group(1), match.group(2)
    return f"(?P<{name}>.+)" if kind == "path" else f"(?P<{name}>[^/]+)"


class PageNotFound(NotFound):
    """No route matches: dockerd answers `page not found`."""


class Router:
    def __init__(self, routes: list[Route]):
        self._by_method: dict[str, list[Route]] = {}
        for route in routes:   # in order within each method: the first match wins
            self._by_method.setdefault(route.method, []).append(route)
        # (method, path) → its route, for paths a placeholder-free route matched (a finite set:
        # `/_ping`, `/version`, `/grpc`, ... are asked for on every CLI command)
        self._literal: dict[tuple[str, str], Handler] = {}

    def match(self, method: str, path: str) -> tuple[Handler, dict[str, str]]:
        handler = self._literal.get((method, path))
        if handler is not None:
            return handler, {}
        methods = [method, "GET"] if method == "HEAD" else [method]
        for candidate in methods:
            for route in self._by_method.get(candidate, ()):
                found = route.regex.match(path)
                if found:
                    if "{" not in route.pattern:
                        self._literal[(method, path)] = route.handler
                    return route.handler, found.groupdict()
        raise PageNotFound("page not found")
