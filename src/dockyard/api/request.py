"""An API request as handlers see it: query helpers and a streamed body."""

import json
import re
from dataclasses import dataclass, field
from urllib.parse import unquote_plus
from typing import AsyncIterator, Awaitable, Callable, Collection, Mapping

from dockyard.api.bodies import gojson
from dockyard.api.bodies.gotypes import Struct, decode
from dockyard.errors import InvalidArgument

_FALSE_WORDS = {"", "0", "no", "false", "none"}


@dataclass
class Request:
    method: str
    path: str
    api_version: tuple[int, int]
    headers: Mapping[str, str]
    query: Mapping[str, list[str]] = field(default_factory=dict)
    # Pulls the next piece of the body; b"" once the body is complete.
    receive: Callable[[], Awaitable[bytes]] | None = None
    raw_query: str | None = None  # as sent; the application parses it into `query`

    def param(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default

    def params(self, name: str) -> list[str]:
        return list(self.query.get(name, []))

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.param(name)
        if value is None:
            return default
        return value.strip().lower() not in _FALSE_WORDS

    def int_param(self, name: str, default: int | None = None) -> int | None:
        value = self.param(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except ValueError:
            raise InvalidArgument(f"invalid value for {name}: {value!r} is not an integer") from None

    def filters(self, accepted: Collection[str] | None) -> dict[str, list[str]]:
        """The `filters` parameter; a key outside `accepted` (None: any) is refused as dockerd
        does, before anything is listed or pruned."""
        filters = parse_filters(self.param("filters"))
        for key in filters:
            if accepted is not None and key not in accepted:
                raise InvalidArgument(f"Invalid filter '{key}'")
        return filters

    async def chunks(self) -> AsyncIterator[bytes]:
        if self.receive is None:
            return
        while chunk := await self.receive():
            yield chunk

    async def body(self) -> bytes:
        return b"".join([chunk async for chunk in self.chunks()])

    async def decode(self, body_type: Struct) -> dict:
        """The JSON body as the Engine API's `body_type`, read as dockerd reads it: the
        Content-Type checked first, Go's syntax and type errors as 400s; an empty body is `{}`.
        Handlers get every field with its declared type (unknown fields dropped)."""
        raw = await self.body()
        content_type = self.headers.get("content-type", "")
        if (content_type or raw) and content_type.split(";")[0].strip().lower() != "application/json":
            raise InvalidArgument(f"Content-Type specified ({content_type}) must be 'application/json'")
        value = gojson.loads(raw)
        if value is gojson.EMPTY:
            return {}
        return decode(value, body_type) or {}


def parse_filters(raw: str | None) -> dict[str, list[str]]:
    """Decode `filters` in both shapes clients send: {"k":{"v":true}} and {"k":["v"]}."""
    if not raw:
        return {}
    try:
        decoded = json.loads(raw)
    except ValueError:
        raise InvalidArgument(f"invalid filter '{raw}'") from None
    if not isinstance(decoded, dict):
        raise InvalidArgument(f"invalid filter '{raw}'")
    filters: dict[str, list[str]] = {}
    for key, values in decoded.items():
        if isinstance(values, dict):
            filters[key] = [v for v, on in values.items() if on]
        elif isinstance(values, list):
            filters[key] = [str(v) for v in values]
        else:
            raise InvalidArgument(f"invalid filter '{key}'")
    return filters


_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def parse_query(raw: str) -> dict[str, list[str]]:
    """A query string as Go's url.ParseQuery reads it (the error of its first bad pair)."""
    query: dict[str, list[str]] = {}
    error = None
    for pair in raw.split("&"):
        if ";" in pair:
            error = error or "invalid semicolon separator in query"
            continue
        if not pair:
            continue
        key, _, value = pair.partition("=")
        bad = _BAD_ESCAPE.search(key) or _BAD_ESCAPE.search(value)
        if bad:
            text = (key if _BAD_ESCAPE.search(key) else value)[bad.start():bad.start() + 3]
            error = error or f'invalid URL escape "{text}"'
            continue
        query.setdefault(unquote_plus(key), []).append(unquote_plus(value))
    if error:
        raise InvalidArgument(error)
    return query
