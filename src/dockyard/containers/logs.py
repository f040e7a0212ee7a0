"""`docker logs`: entries of the json-file log (read by `shim.logread`) as (stream, bytes) pairs."""

import asyncio
from dataclasses import dataclass
from typing import AsyncIterator, Awaitable, Callable

from dockyard.shim.logread import LogEntry, LogFollower, read_entries
from dockyard.wire.times import format_rfc3339_nano

_FOLLOW_INTERVAL = 0.05


@dataclass
class LogQuery:
    stdout: bool = True
    stderr: bool = True
    since_ns: int | None = None
    until_ns: int | None = None
    tail: int | None = None  # None = all
    timestamps: bool = False
    follow: bool = False

    @property
    def streams(self) -> tuple[str, ...]:
        return tuple(name for name, wanted in (("stdout", self.stdout), ("stderr", self.stderr)) if wanted)


def _framed(entry: LogEntry, query: LogQuery) -> tuple[int, bytes]:
    prefix = (format_rfc3339_nano(entry.time_ns) + " ").encode() if query.timestamps else b""
    return (1 if entry.stream == "stdout" else 2), prefix + entry.data


async def stream_logs(path: str, query: LogQuery, running: Callable[[], bool],
                      synced: Callable[[], Awaitable[None]] | None = None) -> AsyncIterator[tuple[int, bytes]]:
    """What is logged so far (once `synced()` returned); with `follow`, then what comes, until
    the container stops."""
    if synced is not None:
        await synced()
    follower = LogFollower(path) if query.follow else None  # opened first: nothing slips between
    entries = await asyncio.to_thread(read_entries, path, tail=query.tail, since_ns=query.since_ns,
                                      until_ns=query.until_ns, streams=query.streams)
    last = entries[-1].time_ns if entries else 0
    for entry in entries:
        yield _framed(entry, query)
    if follower is None:
        return
    try:
        while True:
            alive = running()
            for entry in await asyncio.to_thread(follower.read_new):
                if entry.time_ns > last and entry.stream in query.streams and \
                        (query.until_ns is None or entry.time_ns <= query.until_ns):
                    yield _framed(entry, query)
            if not alive:
                return
            await asyncio.sleep(_FOLLOW_INTERVAL)
    finally:
        follower.close()
