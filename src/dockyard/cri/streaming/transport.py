"""What the SPDY and WebSocket sessions read from and write to: an asyncio stream, the HTTP
request's leftover bytes before it, or a byte stream tunnelled in WebSocket messages."""

from __future__ import annotations

from typing import Protocol


class AsyncReader(Protocol):
    async def read(self, n: int, /) -> bytes: ...


class AsyncWriter(Protocol):
    def write(self, data: bytes, /) -> object: ...

    async def drain(self) -> None: ...

    def is_closing(self) -> bool: ...

    def close(self) -> None: ...
