"""A unix-socket proxy between the docker CLI and a daemon that records, per API request, when
it was sent, when the response head came back, and when the exchange ended — the daemon's
latency per endpoint as the CLI sees it. Bytes pass through untouched.

Requests are recognised by their request line at the start of a client chunk and responses by
`HTTP/1.1 ` at the start of a daemon chunk, paired in order on each connection: enough for the
CLI's traffic (one request at a time per connection; after `101 UPGRADED` the raw stream is
only timed, not parsed)."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REQUEST_LINE = re.compile(rb"^(GET|POST|PUT|DELETE|HEAD) (\S+) HTTP/1\.[01]\r\n")
VERSION_PREFIX = re.compile(r"^/v1\.\d+")


@dataclass
class Exchange:
    method: str
    path: str
    sent: float
    head: float | None = None      # response status line received
    ended: float | None = None     # connection closed (streams, hijacks) or next request

    @property
    def endpoint(self) -> str:
        path = VERSION_PREFIX.sub("", self.path.split("?")[0])
        path = re.sub(r"^/containers/(?!create$|json$|prune$)[^/]+", "/containers/{id}", path)
        return f"{self.method} " + re.sub(r"^/exec/[^/]+", "/exec/{id}", path)


@dataclass
class _Connection:
    exchanges: list[Exchange]          # the proxy's list: exchanges are visible as they start
    mine: list[Exchange] = field(default_factory=list)
    upgraded: bool = False

    def client_chunk(self, data: bytes, now: float) -> Exchange | None:
        match = None if self.upgraded else REQUEST_LINE.match(data)
        if not match:
            return None
        if self.mine and self.mine[-1].ended is None:
            self.mine[-1].ended = now
        exchange = Exchange(match[1].decode(), match[2].decode(), now)
        self.mine.append(exchange)
        self.exchanges.append(exchange)
        return exchange

    def daemon_chunk(self, data: bytes, now: float) -> None:
        if self.upgraded or not data.startswith(b"HTTP/1.1 "):
            return
        pending = [e for e in self.mine if e.head is None]
        if pending:
            pending[0].head = now
        self.upgraded = data.startswith(b"HTTP/1.1 101")


class TimingProxy:
    def __init__(self, listen: Path, upstream: Path):
        self.listen, self.upstream = listen, upstream
        self.exchanges: list[Exchange] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._tasks: set[asyncio.Task] = set()   # asyncio keeps only weak references

    def start(self) -> "TimingProxy":
        ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(ready,), daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    def _serve(self, ready: threading.Event) -> None:
        self._loop = asyncio.new_event_loop()
        server = self._loop.run_until_complete(asyncio.start_unix_server(self._handle, str(self.listen)))
        ready.set()
        self._loop.run_forever()
        server.close()
        pending = asyncio.all_tasks(self._loop)
        for task in pending:
            task.cancel()
        if pending:
            self._loop.run_until_complete(asyncio.wait(pending))
        self._loop.close()

    async def _handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        daemon_r, daemon_w = await asyncio.open_unix_connection(str(self.upstream))
        connection = _Connection(self.exchanges)
        try:
            await asyncio.gather(self._pipe(client_r, daemon_w, connection, from_client=True),
                                 self._pipe(daemon_r, client_w, connection, from_client=False))
        except asyncio.CancelledError:
            pass   # the proxy is stopping
        finally:
            client_w.close()
            daemon_w.close()
            now = time.perf_counter()
            for exchange in connection.mine:
                exchange.ended = exchange.ended or now

    @staticmethod
    async def _pipe(reader, writer, connection: _Connection, from_client: bool) -> None:
        try:
            while data := await reader.read(65536):
                now = time.perf_counter()
                if from_client:
                    connection.client_chunk(data, now)
                else:
                    connection.daemon_chunk(data, now)
                writer.write(data)
                await writer.drain()
            if from_client and connection.upgraded and writer.can_write_eof():
                writer.write_eof()   # a hijacked stream's half-close (stdin EOF) is meaningful
            else:
                writer.close()       # the client left, or the daemon finished: end the exchange
        except (ConnectionError, OSError):
            writer.close()


def endpoint_table(exchanges: list[Exchange]) -> list[list[str]]:
    """Per endpoint: requests, median ms to the response head, median ms to the exchange's end."""
    from statistics import median
    by_endpoint: dict[str, list[Exchange]] = {}
    for exchange in exchanges:
        by_endpoint.setdefault(exchange.endpoint, []).append(exchange)
    table = [["endpoint", "requests", "to head (ms)", "to end (ms)"]]
    for endpoint, group in sorted(by_endpoint.items(), key=lambda kv: kv[1][0].sent):
        heads = [(e.head - e.sent) * 1000 for e in group if e.head is not None]
        ends = [(e.ended - e.sent) * 1000 for e in group if e.ended is not None]
        table.append([endpoint, str(len(group)), f"{median(heads):.1f}" if heads else "—",
                      f"{median(ends):.1f}" if ends else "—"])
    return table


def timeline(exchanges: list[Exchange]) -> list[list[str]]:
    """One CLI command's requests, in ms from its first request."""
    if not exchanges:
        return []
    origin = min(e.sent for e in exchanges)
    table = [["request", "sent", "head", "end"]]
    for e in sorted(exchanges, key=lambda e: e.sent):
        cells = [(t - origin) * 1000 if t is not None else None for t in (e.sent, e.head, e.ended)]
        table.append([e.endpoint] + ["—" if c is None else f"{c:.1f}" for c in cells])
    return table
