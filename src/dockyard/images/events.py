"""Image events emitted from worker threads, delivered on the loop that owns the journal."""

from __future__ import annotations

import asyncio


class ThreadSafeEvents:
    def __init__(self, journal):
        self.journal = journal
        self.loop: asyncio.AbstractEventLoop | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop

    def emit(self, type_: str, action: str, actor_id: str, attributes: dict[str, str] | None = None) -> None:
        loop = self.loop
        if loop is None or _running_loop() is loop:
            self.journal.emit(type_, action, actor_id, attributes)
        else:
            loop.call_soon_threadsafe(self.journal.emit, type_, action, actor_id, attributes)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
