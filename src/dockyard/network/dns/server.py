"""Embedded DNS: one UDP+TCP listener per user-defined network, on its gateway address.

Why on the gateway (not 127.0.0.11 inside every container): the daemon's event loop owns
one pair of sockets per network in the host netns, nothing has to be created or kept alive
inside container namespaces, it survives daemon restarts by just rebinding, and forwarding
naturally uses the host's own resolvers (even loopback ones such as 127.0.0.53). The
querying container is identified by its source address; names are resolved only among the
networks that container is attached to.
"""

from __future__ import annotations

import asyncio
import functools
import socket
import struct
from typing import Callable

from dockyard.network.dns import codec

# resolve(listener_network_id, client_ip, name) -> addresses | None (not a local name)
# | [] (local name, but no record of that type)
Resolver = Callable[[str, str, str], "list[str] | None"]

FORWARD_TIMEOUT = 2.0


class _Forwarder(asyncio.DatagramProtocol):
    def __init__(self, future: asyncio.Future):
        self.future = future

    def datagram_received(self, data, addr):
        if not self.future.done():
            self.future.set_result(data)

    def error_received(self, exc):
        if not self.future.done():
            self.future.set_exception(exc)


async def forward(query: bytes, upstreams: list[tuple[str, int]]) -> bytes | None:
    """Ask each upstream in turn; the first reply (raw, same ID) wins."""
    loop = asyncio.get_running_loop()
    for upstream in upstreams:
        future = loop.create_future()
        try:
            transport, _ = await loop.create_datagram_endpoint(
                functools.partial(_Forwarder, future), remote_addr=upstream
            )
        except OSError:
            continue
        try:
            transport.sendto(query)
            return await asyncio.wait_for(future, FORWARD_TIMEOUT)
        except (OSError, asyncio.TimeoutError):
            continue
        finally:
            transport.close()
    return None


class Answerer:
    """Turns one query into one reply (resolve locally, else forward, else NXDOMAIN)."""

    def __init__(self, resolve: Resolver, upstreams: Callable[[str, str], list[tuple[str, int]]]):
        self.resolve = resolve
        self.upstreams = upstreams  # (network, client) -> servers; [] for internal networks

    async def answer(self, network_id: str, client_ip: str, data: bytes) -> bytes | None:
        try:
            query = codec.parse(data)
        except codec.DnsFormatError:
            return codec.error_response(data, codec.FORMERR)
        if query.is_response or not query.questions:
            return None
        if query.opcode != 0:
            return codec.build_response(query, codec.NOTIMP)
        q = query.questions[0]
        found = self.resolve(network_id, client_ip, q.name)
        if found is None:
            return await self._forward_or_fail(network_id, client_ip, query, data)
        if q.qtype in (codec.TYPE_A, codec.TYPE_ANY):
            return codec.build_response(query, codec.NOERROR, found)
        return codec.build_response(query, codec.NOERROR, [])

    async def _forward_or_fail(self, network_id, client_ip, query: codec.Message, data: bytes):
        upstreams = self.upstreams(network_id, client_ip)
        if upstreams:
            reply = await forward(data, upstreams)
            if reply is not None:
                return reply
            return codec.build_response(query, codec.SERVFAIL, authoritative=False)
        return codec.build_response(query, codec.NXDOMAIN)


class _UdpListener(asyncio.DatagramProtocol):
    def __init__(self, network_id: str, answerer: Answerer):
        self.network_id, self.answerer = network_id, answerer
        self.transport = None
        self.replying: set[asyncio.Task] = set()  # held: asyncio keeps tasks only weakly

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        task = asyncio.ensure_future(self._reply(data, addr))
        self.replying.add(task)
        task.add_done_callback(self.replying.discard)

    async def _reply(self, data, addr):
        reply = await self.answerer.answer(self.network_id, addr[0], data)
        if reply is not None and self.transport and not self.transport.is_closing():
            self.transport.sendto(reply, addr)


class DnsServer:
    """Listeners keyed by network ID."""

    def __init__(self, answerer: Answerer):
        self.answerer = answerer
        self.listeners: dict[str, tuple] = {}

    async def listen(self, network_id: str, address: str, port: int = 53) -> None:
        if network_id in self.listeners:
            return
        loop = asyncio.get_running_loop()
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # the bridge address may still be tentative/absent on the very first call
        udp.setsockopt(socket.SOL_IP, 15, 1)  # IP_FREEBIND
        udp.bind((address, port))
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _UdpListener(network_id, self.answerer), sock=udp
        )
        tcp = await asyncio.start_server(
            lambda r, w: self._tcp_session(network_id, r, w), address, port, reuse_address=True
        )
        self.listeners[network_id] = (transport, tcp)

    async def _tcp_session(self, network_id: str, reader, writer):
        peer = writer.get_extra_info("peername")[0]
        try:
            while True:
                head = await reader.readexactly(2)
                data = await reader.readexactly(struct.unpack("!H", head)[0])
                reply = await self.answerer.answer(network_id, peer, data)
                if reply is None:
                    break
                writer.write(struct.pack("!H", len(reply)) + reply)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def stop(self, network_id: str) -> None:
        pair = self.listeners.pop(network_id, None)
        if pair:
            pair[0].close()
            pair[1].close()

    async def close(self) -> None:
        for network_id in list(self.listeners):
            await self.stop(network_id)
