"""Bridges between worker threads and HTTP streams: blocking request bodies, streamed tars,
and JSON-lines progress reported from a thread."""

import asyncio
import queue
import threading
from typing import AsyncIterator, Callable

from dockyard.api.responses import StreamResponse, json_lines
from dockyard.errors import DockyardError, InvalidArgument

STREAM_CHUNK = 1 << 20
STREAM_QUEUE = 8
BODY_DEPTH = 64


def progress_stream(work: Callable[[Callable[[dict], None]], None]) -> StreamResponse:
    """Run `work(report)` in a thread; every reported dict becomes one JSON line.

    Once the 200 is out, a failure is reported in-band with `errorDetail`, as dockerd does.
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue = asyncio.Queue()

    def report(message: dict | None) -> None:
        loop.call_soon_threadsafe(queue.put_nowait, message)

    def run() -> None:
        try:
            work(report)
        except DockyardError as err:
            report({"errorDetail": {"message": err.message}, "error": err.message})
        except Exception as err:  # a bug: still end the stream with the reason
            report({"errorDetail": {"message": f"internal error: {err}"}, "error": f"internal error: {err}"})
        finally:
            report(None)

    task = loop.run_in_executor(None, run)

    async def messages() -> AsyncIterator[dict]:
        while (message := await queue.get()) is not None:
            yield message
        await task

    return json_lines(messages())


def tar_stream(write: Callable[["ChunkSink"], None]) -> StreamResponse:
    """Run `write(sink)` in a thread and stream what it writes, with back-pressure."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue = asyncio.Queue(STREAM_QUEUE)
    sink = ChunkSink(queue, loop)

    def run() -> None:
        try:
            write(sink)
            sink.flush()
        finally:
            sink.finish()

    task = loop.run_in_executor(None, run)

    async def chunks() -> AsyncIterator[bytes]:
        try:
            while (chunk := await queue.get()) is not None:
                yield chunk
            await task
        finally:
            sink.cancelled = True  # the client went away: the writer stops at its next write
            while not queue.empty():
                queue.get_nowait()

    return StreamResponse(chunks(), content_type="application/x-tar")


class ChunkSink:
    """A blocking `write` for worker threads that feeds a bounded asyncio queue in 1 MB chunks."""

    def __init__(self, queue: asyncio.Queue, loop: asyncio.AbstractEventLoop):
        self.queue, self.loop = queue, loop
        self.buffer = bytearray()
        self.cancelled = False

    def write(self, data: bytes) -> int:
        if self.cancelled:
            raise InvalidArgument("client went away")
        if not self.buffer and len(data) >= STREAM_CHUNK:
            self._put(bytes(data))          # a whole chunk already: no copy into the buffer
            return len(data)
        self.buffer += data
        if len(self.buffer) >= STREAM_CHUNK:
            self.flush()
        return len(data)

    def flush(self) -> None:
        if self.buffer:
            chunk, self.buffer = bytes(self.buffer), bytearray()
            self._put(chunk)

    def finish(self) -> None:
        if not self.cancelled:
            self._put(None)

    def _put(self, item) -> None:
        future = asyncio.run_coroutine_threadsafe(self.queue.put(item), self.loop)
        while not self.cancelled:
            try:
                future.result(timeout=1)
                return
            except TimeoutError:
                continue
        future.cancel()


class BlockingBody:
    """The streamed request body as a blocking file object for worker threads.

    A task on the loop reads ahead up to BODY_DEPTH chunks into a thread-safe queue, so the
    worker never waits for a loop round trip per chunk; and the worker wakes the loop only when
    that task waits for room (a body of 216 MB comes in ~7,000 chunks: a wake-up of the loop
    per chunk cost more than the queue itself).
    """

    def __init__(self, chunks: AsyncIterator[bytes], loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.queue: queue.Queue = queue.Queue()
        self._lock = threading.Lock()
        self._room: asyncio.Future | None = None   # the pump waits for the worker to catch up
        self.buffer = b""
        self.pos = 0
        self.eof = False
        self.pump = loop.create_task(self._pump(chunks))

    async def _pump(self, chunks: AsyncIterator[bytes]) -> None:
        try:
            async for chunk in chunks:
                self.queue.put(chunk)
                with self._lock:
                    room = None
                    if self.queue.qsize() >= BODY_DEPTH:
                        room = self._room = self.loop.create_future()
                if room is not None:
                    await room
        except Exception as err:  # the client went away mid-body
            self.queue.put(err)
        finally:
            self.queue.put(None)

    def _take(self) -> bytes | None:
        item = self.queue.get()
        if isinstance(item, Exception):
            raise InvalidArgument(f"error reading the request body: {item}")
        if item is not None:
            with self._lock:
                room = self._room if self.queue.qsize() <= BODY_DEPTH // 2 else None
                if room is not None:
                    self._room = None
            if room is not None:
                self.loop.call_soon_threadsafe(_make_room, room)
        return item

    def read(self, n: int = -1) -> bytes:
        parts = []
        need = n if n >= 0 else float("inf")
        while need > 0:
            if self.pos >= len(self.buffer):
                chunk = None if self.eof else self._take()
                if chunk is None:
                    self.eof = True
                    break
                self.buffer, self.pos = chunk, 0
            piece = self.buffer[self.pos:] if n < 0 else self.buffer[self.pos:self.pos + int(need)]
            parts.append(piece)
            self.pos += len(piece)
            need -= len(piece)
        return b"".join(parts)


def _make_room(room: asyncio.Future) -> None:
    if not room.done():
        room.set_result(None)
