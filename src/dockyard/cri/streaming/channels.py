"""Kubernetes' channel protocol over a WebSocket (`v5.channel.k8s.io`, `v4.channel.k8s.io`, ...):
each binary message starts with its channel's number (0 stdin, 1 stdout, 2 stderr, 3 error,
4 resize); in v5, `255 <channel>` half-closes a channel. wsproto does the WebSocket framing."""

from __future__ import annotations

import asyncio

from wsproto import ConnectionType
from wsproto.connection import Connection
from wsproto.events import BytesMessage, CloseConnection, Ping, TextMessage
from wsproto.utilities import generate_accept_token

from dockyard.cri.streaming.transport import AsyncReader, AsyncWriter

PROTOCOLS = ("v5.channel.k8s.io", "v4.channel.k8s.io", "v3.channel.k8s.io", "v2.channel.k8s.io",
             "channel.k8s.io")
SPDY_TUNNEL = "SPDY/3.1+portforward.k8s.io"    # client-go's port forwarding: SPDY inside the messages
STREAM_CLOSE = 255
READ_SIZE = 256 * 1024


def handshake_response(key: str, protocol: str) -> bytes:
    return (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + generate_accept_token(key.encode()) +
            b"\r\nSec-WebSocket-Protocol: " + protocol.encode() + b"\r\n\r\n")


class ChannelConnection:
    """Messages by channel; `read()` gives (channel, data), (channel, None) for a v5 close, or
    None when the connection ends."""

    def __init__(self, reader: AsyncReader, writer: AsyncWriter, protocol: str):
        self._reader, self._writer, self.protocol = reader, writer, protocol
        self._ws = Connection(ConnectionType.SERVER)
        self._pending: list = []
        self._message = bytearray()
        self._lock = asyncio.Lock()
        self.closed = False

    async def read(self) -> tuple[int, bytes | None] | None:
        while True:
            while self._pending:
                event = self._pending.pop(0)
                if isinstance(event, Ping):
                    await self._send(event.response())
                elif isinstance(event, CloseConnection):
                    if not self.closed:
                        await self._send(event.response())
                        self.closed = True
                    return None
                elif isinstance(event, (BytesMessage, TextMessage)):
                    data = event.data.encode() if isinstance(event.data, str) else event.data
                    self._message += data
                    if not event.message_finished:
                        continue
                    message, self._message = bytes(self._message), bytearray()
                    if not message:
                        continue
                    if message[0] == STREAM_CLOSE and len(message) == 2:
                        return message[1], None
                    return message[0], message[1:]
            data = await self._reader.read(READ_SIZE)
            if not data:
                return None
            self._ws.receive_data(data)
            self._pending.extend(self._ws.events())

    async def write(self, channel: int, data: bytes) -> None:
        await self._send(BytesMessage(bytes([channel]) + data))

    async def _send(self, event) -> None:
        async with self._lock:
            if self._writer.is_closing():
                return
            self._writer.write(self._ws.send(event))
            try:
                await self._writer.drain()
            except ConnectionError:
                self.closed = True

    async def close(self) -> None:
        if not self.closed:
            self.closed = True
            await self._send(CloseConnection(code=1000))
        async with self._lock:
            self._writer.close()


class WebSocketTunnel:
    """A byte stream carried in binary messages, as a stream reader and writer both (what the
    SPDY session reads from and writes to)."""

    def __init__(self, reader: AsyncReader, writer: AsyncWriter):
        self._reader, self._writer = reader, writer
        self._ws = Connection(ConnectionType.SERVER)
        self._pending: list = []
        self._closed = False

    async def read(self, n: int) -> bytes:
        while True:
            while self._pending:
                event = self._pending.pop(0)
                if isinstance(event, Ping):
                    self._writer.write(self._ws.send(event.response()))
                elif isinstance(event, CloseConnection):
                    if not self._closed:
                        self._closed = True
                        self._writer.write(self._ws.send(event.response()))
                    return b""
                elif isinstance(event, (BytesMessage, TextMessage)) and event.data:
                    return event.data.encode() if isinstance(event.data, str) else bytes(event.data)
            data = await self._reader.read(n)
            if not data:
                return b""
            self._ws.receive_data(data)
            self._pending.extend(self._ws.events())

    def write(self, data: bytes) -> None:
        if not self._closed:
            self._writer.write(self._ws.send(BytesMessage(data)))

    async def drain(self) -> None:
        await self._writer.drain()

    def is_closing(self) -> bool:
        return self._closed or self._writer.is_closing()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._writer.write(self._ws.send(CloseConnection(code=1000)))
        self._writer.close()
