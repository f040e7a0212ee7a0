"""A SPDY/3.1 connection the client opens streams on (server side, asyncio).

The client (client-go) creates every stream; each gets a SYN_REPLY, and is handed out by
`accept()` with its headers. Data from the client queues on its stream (None = FIN); data to it
goes out in DATA frames, FIN closing our half."""

from __future__ import annotations

import asyncio
import logging

from dockyard.cri.streaming import spdy
from dockyard.cri.streaming.transport import AsyncReader, AsyncWriter

log = logging.getLogger(__name__)
READ_SIZE = 256 * 1024


class SpdyStream:
    def __init__(self, session: "SpdySession", stream_id: int, headers: dict[str, list[str]]):
        self.session, self.id, self.headers = session, stream_id, headers
        self._incoming: asyncio.Queue = asyncio.Queue()
        self.closed_by_peer = False
        self.closed = False

    def header(self, name: str) -> str:
        return (self.headers.get(name.lower()) or [""])[0]

    async def read(self) -> bytes | None:
        """The next data from the client; None once it closed its half (or reset the stream)."""
        if self.closed_by_peer and self._incoming.empty():
            return None
        return await self._incoming.get()

    def _feed(self, data: bytes | None) -> None:
        if self.closed_by_peer:
            return
        if data is None:
            self.closed_by_peer = True
        self._incoming.put_nowait(data)

    async def write(self, data: bytes) -> None:
        if data and not self.closed:
            await self.session.send(spdy.Encoder.data(self.id, data))

    async def close(self) -> None:
        """FIN: nothing more from us on this stream."""
        if not self.closed:
            self.closed = True
            await self.session.send(spdy.Encoder.data(self.id, b"", fin=True))


class SpdySession:
    def __init__(self, reader: AsyncReader, writer: AsyncWriter):
        self._reader, self._writer = reader, writer
        self._decoder, self._encoder = spdy.Decoder(), spdy.Encoder()
        self._streams: dict[int, SpdyStream] = {}
        self._new: asyncio.Queue = asyncio.Queue()
        self._lock = asyncio.Lock()               # frames go out whole, one at a time
        self._reading: asyncio.Task | None = None
        self.closed = asyncio.Event()

    def start(self, initial: bytes = b"") -> None:
        self._reading = asyncio.ensure_future(self._read_loop(initial))

    async def accept(self) -> SpdyStream | None:
        """The next stream the client opened; None once the connection is gone."""
        return await self._new.get()

    async def send(self, data: bytes) -> None:
        async with self._lock:
            if self._writer.is_closing():
                return
            self._writer.write(data)
            try:
                await self._writer.drain()
            except ConnectionError:
                self.closed.set()

    async def _read_loop(self, initial: bytes) -> None:
        try:
            data = initial
            while True:
                for frame in self._decoder.feed(data):
                    await self._handle(frame)
                data = await self._reader.read(READ_SIZE)
                if not data:
                    break
        except (ConnectionError, spdy.ProtocolError) as err:
            log.debug("SPDY connection ended: %s", err)
        finally:
            self._end()

    async def _handle(self, frame: spdy.Frame) -> None:
        if frame.kind == "data":
            stream = self._streams.get(frame.stream_id)
            if stream is not None:
                if frame.data:
                    stream._feed(frame.data)
                if frame.fin:
                    stream._feed(None)
            return
        if frame.type == spdy.SYN_STREAM:
            stream = SpdyStream(self, frame.stream_id, frame.headers)
            self._streams[frame.stream_id] = stream
            await self.send(self._encoder.syn_reply(frame.stream_id))
            if frame.fin:
                stream._feed(None)
            self._new.put_nowait(stream)
        elif frame.type == spdy.RST_STREAM:
            stream = self._streams.pop(frame.stream_id, None)
            if stream is not None:
                stream.closed = True
                stream._feed(None)
        elif frame.type == spdy.PING:
            await self.send(self._encoder.ping(frame.ping_id))
        elif frame.type == spdy.GOAWAY:
            raise ConnectionError("the client sent GOAWAY")

    def _end(self) -> None:
        for stream in self._streams.values():
            stream._feed(None)
        self._new.put_nowait(None)
        self.closed.set()

    async def close(self) -> None:
        """GOAWAY, then close the connection once what was written is out."""
        await self.send(self._encoder.goaway(max(self._streams, default=0)))
        async with self._lock:
            self._writer.close()
        if self._reading is not None:
            self._reading.cancel()
