"""The event journal: recent events kept in memory and in a JSON-lines file, and live subscribers.

The file is bounded: when it grows past twice the limit it is rewritten with the newest
`limit` events (temp file + rename), so `docker events --since` works after a restart.
"""

import asyncio
import json
import os
import threading
import time
from collections import deque
from pathlib import Path
from typing import AsyncIterator

from dockyard.events.model import Event, matches


class EventJournal:
    def __init__(self, path: Path, limit: int = 10000):
        self._path, self._limit = path, limit
        self._recent: deque[Event] = deque(maxlen=limit)
        self._subscribers: set[asyncio.Queue] = set()
        self._lines_in_file = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread = 0
        self._load()
        self._file = open(self._path, "a", encoding="utf-8")

    def _load(self) -> None:
        if not self._path.exists():
            return
        with open(self._path, encoding="utf-8") as lines:
            for line in lines:
                try:
                    self._recent.append(Event.from_json(json.loads(line)))
                except (ValueError, KeyError):
                    continue  # a line torn by a crash
                self._lines_in_file += 1

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Called from the loop's thread: events emitted from worker threads are handed to it."""
        self._loop, self._loop_thread = loop, threading.get_ident()

    def emit(self, type_: str, action: str, actor_id: str, attributes: dict[str, str] | None = None) -> Event:
        event = Event(type_, action, actor_id, dict(attributes or {}), time.time_ns())
        if self._loop is not None and threading.get_ident() != self._loop_thread:
            self._loop.call_soon_threadsafe(self._record, event)
        else:
            self._record(event)
        return event

    def _record(self, event: Event) -> None:
        self._recent.append(event)
        self._file.write(json.dumps(event.to_json()) + "\n")
        self._file.flush()
        self._lines_in_file += 1
        if self._lines_in_file > 2 * self._limit:
            self._compact()
        for queue in self._subscribers:
            queue.put_nowait(event)

    def _compact(self) -> None:
        temp = self._path.with_suffix(".tmp")
        with open(temp, "w", encoding="utf-8") as out:
            out.writelines(json.dumps(e.to_json()) + "\n" for e in self._recent)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, self._path)
        self._file.close()
        self._file = open(self._path, "a", encoding="utf-8")
        self._lines_in_file = len(self._recent)

    def close(self) -> None:
        self._file.close()

    async def stream(
        self, since_ns: int | None, until_ns: int | None, filters: dict[str, list[str]]
    ) -> AsyncIterator[Event]:
        """Past events from `since`, then live ones until `until` (or forever)."""
        queue: asyncio.Queue = asyncio.Queue()
        self._subscribers.add(queue)
        try:
            now = time.time_ns()
            if since_ns is not None:
                for event in list(self._recent):
                    if since_ns <= event.time_nano <= min(now, until_ns or now) and matches(event, filters):
                        yield event
            if until_ns is not None and until_ns <= now:
                return
            while True:
                timeout = None if until_ns is None else max(0.0, (until_ns - time.time_ns()) / 1e9)
                try:
                    event = await asyncio.wait_for(queue.get(), timeout)
                except asyncio.TimeoutError:
                    return
                if until_ns is not None and event.time_nano > until_ns:
                    return
                if matches(event, filters):
                    yield event
        finally:
            self._subscribers.discard(queue)
