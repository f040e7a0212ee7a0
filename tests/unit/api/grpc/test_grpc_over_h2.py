"""Our gRPC server and client, each on one end of a socket pair: unary and streaming calls,
statuses, metadata, and messages larger than HTTP/2's flow-control windows."""

import asyncio
import socket

import pytest

from dockyard.api.grpc.client import GrpcChannel
from dockyard.api.grpc.framing import GrpcError, MessageReader, Status, encode_message, status_headers, status_of
from dockyard.api.grpc.server import GrpcServer
from dockyard.errors import NotFound


class Raw:
    def __init__(self, reader, writer):
        self._reader, self._writer = reader, writer

    async def read(self, n=65536):
        return await self._reader.read(n)

    async def write(self, data):
        self._writer.write(data)
        await self._writer.drain()

    def write_nowait(self, data):
        self._writer.write(data)

    def close(self):
        self._writer.close()


async def _pair(methods):
    left, right = socket.socketpair()
    server_raw = Raw(*await asyncio.open_connection(sock=left))
    client_raw = Raw(*await asyncio.open_connection(sock=right))
    serving = asyncio.ensure_future(GrpcServer(methods).serve(server_raw))
    channel = GrpcChannel(client_raw)
    running = asyncio.ensure_future(channel.run())
    return channel, serving, running


async def echo(call):
    while (message := await call.recv()) is not None:
        await call.send(message[::-1])


async def metadata(call):
    await call.recv()
    await call.send(",".join(call.metadata["dir-name"] + call.metadata["followpaths"]).encode())


async def missing(call):
    await call.recv()
    raise NotFound("no such thing")


def _run(coro):
    return asyncio.run(asyncio.wait_for(coro, 30))


def test_calls_both_ways_with_large_messages_and_statuses():
    async def scenario():
        channel, serving, running = await _pair({"/t.S/Echo": echo, "/t.S/Meta": metadata, "/t.S/Missing": missing})
        big = bytes(range(256)) * 20000  # 5 MB: many windows' worth
        assert await channel.call("/t.S/Echo").unary(big) == big[::-1]
        stream = channel.call("/t.S/Echo")
        await stream.open()
        for word in (b"one", b"two", b"three"):
            await stream.send(word)
            assert await stream.recv() == word[::-1]
        await stream.close_send()
        assert await stream.recv() is None
        meta = await channel.call("/t.S/Meta", {"dir-name": ["context"], "followpaths": ["a", "b"]}).unary(b"")
        assert meta == b"context,a,b"
        with pytest.raises(GrpcError) as err:
            await channel.call("/t.S/Missing").unary(b"x")
        assert (err.value.code, err.value.message) == (Status.NOT_FOUND, "no such thing")
        with pytest.raises(GrpcError) as err:
            await channel.call("/t.S/Nope").unary(b"x")
        assert err.value.code == Status.UNIMPLEMENTED
        channel.close()
        await asyncio.gather(serving, running, return_exceptions=True)

    _run(scenario())


def test_framing_splits_and_joins_messages():
    reader = MessageReader()
    data = encode_message(b"a" * 10) + encode_message(b"") + encode_message(b"xyz")
    assert reader.feed(data[:7]) == []
    assert reader.feed(data[7:]) == [b"a" * 10, b"", b"xyz"]
    assert not reader.pending
    code, message = status_of(dict(status_headers(Status.UNKNOWN, "failed: 100% done\nüber")))
    assert (code, message) == (Status.UNKNOWN, "failed: 100% done\nüber")
