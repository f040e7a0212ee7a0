"""The streams of one exec or attach, whichever the transport: SPDY streams the client opened,
or channels of a WebSocket. Handlers read stdin and resize events and write stdout, stderr
and the final status, without knowing which."""

from __future__ import annotations

import asyncio
import json

from dockyard.cri.streaming.channels import ChannelConnection
from dockyard.cri.streaming.spdy_session import SpdySession, SpdyStream
from dockyard.errors import InvalidArgument

STDIN, STDOUT, STDERR, ERROR, RESIZE = "stdin", "stdout", "stderr", "error", "resize"
CHANNELS = {STDIN: 0, STDOUT: 1, STDERR: 2, ERROR: 3, RESIZE: 4}
STREAM_WAIT = 30.0          # seconds a client has to open the streams it asked for


class CommandStreams:
    """stdin/resize: `read(kind)` → bytes, None at their end; stdout/stderr/error: `write`."""

    kinds: set[str]
    gone: asyncio.Event          # set when the client's connection ended

    async def read(self, kind: str) -> bytes | None:
        raise NotImplementedError

    async def write(self, kind: str, data: bytes) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError

    async def resizes(self):
        """(width, height) from the resize stream's JSON objects."""
        decoder, buffer = json.JSONDecoder(), ""
        while True:
            data = await self.read(RESIZE)
            if data is None:
                return
            buffer += data.decode(errors="replace")
            while buffer.strip():
                try:
                    size, end = decoder.raw_decode(buffer.lstrip())
                except ValueError:
                    break
                buffer = buffer.lstrip()[end:]
                if isinstance(size, dict):
                    yield int(size.get("Width") or 0), int(size.get("Height") or 0)


class SpdyCommandStreams(CommandStreams):
    def __init__(self, session: SpdySession, streams: dict[str, SpdyStream]):
        self.session, self._streams = session, streams
        self.kinds = set(streams)
        self.gone = session.closed

    @classmethod
    async def gather(cls, session: SpdySession, wanted: set[str]) -> "SpdyCommandStreams":
        """Wait for the client to open the streams the request implies."""
        streams: dict[str, SpdyStream] = {}

        async def collect():
            while not wanted <= set(streams):
                stream = await session.accept()
                if stream is None:
                    raise InvalidArgument("the client went away before opening its streams")
                kind = stream.header("streamType")
                if kind not in CHANNELS:
                    raise InvalidArgument(f"unexpected stream type {kind!r}")
                streams[kind] = stream

        try:
            await asyncio.wait_for(collect(), STREAM_WAIT)
        except asyncio.TimeoutError:
            raise InvalidArgument(f"timed out waiting for streams {sorted(wanted - set(streams))}") from None
        return cls(session, streams)

    async def read(self, kind: str) -> bytes | None:
        stream = self._streams.get(kind)
        return None if stream is None else await stream.read()

    async def write(self, kind: str, data: bytes) -> None:
        stream = self._streams.get(kind)
        if stream is not None:
            await stream.write(data)

    async def close(self) -> None:
        for stream in self._streams.values():
            await stream.close()
        await self.session.close()


class ChannelCommandStreams(CommandStreams):
    def __init__(self, connection: ChannelConnection, kinds: set[str]):
        self.connection, self.kinds = connection, kinds
        self._queues: dict[str, asyncio.Queue[bytes | None]] = {kind: asyncio.Queue() for kind in (STDIN, RESIZE)}
        self.gone = asyncio.Event()
        self._reading = asyncio.ensure_future(self._demux())

    async def _demux(self) -> None:
        names = {number: kind for kind, number in CHANNELS.items()}
        try:
            while True:
                message = await self.connection.read()
                if message is None:
                    break
                channel, data = message
                queue = self._queues.get(names.get(channel, ""))
                if queue is not None:
                    queue.put_nowait(data)
        finally:
            for queue in self._queues.values():
                queue.put_nowait(None)
            self.gone.set()

    async def read(self, kind: str) -> bytes | None:
        if kind not in self.kinds:
            return None
        return await self._queues[kind].get()

    async def write(self, kind: str, data: bytes) -> None:
        if kind in self.kinds or kind == ERROR:
            await self.connection.write(CHANNELS[kind], data)

    async def close(self) -> None:
        self._reading.cancel()
        await self.connection.close()
