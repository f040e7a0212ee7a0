"""Userland port proxy (asyncio, in the daemon's loop): host_ip:host_port -> container.

DNAT serves traffic arriving from other hosts; locally originated connections to
127.0.0.1 never traverse PREROUTING, so this proxy carries them (as docker-proxy does).
Binding the listening socket is also how a host port is reserved: a taken port fails
the bind and the container start reports it.
"""

from __future__ import annotations

import asyncio
import errno
import socket

from dockyard.errors import Conflict, InternalError

UDP_IDLE_SECONDS = 60.0


def bind_socket(proto: str, host_ip: str, ports: tuple[int, int]) -> socket.socket:
    """Bind a socket on the first free port of the range ((0, 0): any free port)."""
    kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
    lo, hi = ports
    last_error = None
    for port in range(lo, hi + 1):
        sock = socket.socket(socket.AF_INET, kind)
        if kind == socket.SOCK_STREAM:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host_ip, port))
        except OSError as exc:
            sock.close()
            last_error = exc
            continue
        if kind == socket.SOCK_STREAM:
            sock.listen(512)
        sock.setblocking(False)
        return sock
    if last_error is not None and last_error.errno == errno.EADDRINUSE:
        shown = f"{lo}" if lo == hi else f"{lo}-{hi}"
        raise Conflict(f"Bind for {host_ip}:{shown} failed: port is already allocated")
    raise InternalError(f"cannot bind {host_ip}:{lo}/{proto}: {last_error}")


class _Pipe(asyncio.Protocol):
    """One direction-agnostic end of a TCP splice; flow control follows the peer."""

    def __init__(self, conns: set | None = None):
        self.conns = conns if conns is not None else set()
        self.transport: asyncio.Transport | None = None
        self.peer: "_Pipe | None" = None
        self.pending: list[bytes] = []
        self.eof = False

    def connection_made(self, transport):
        self.transport = transport
        self.conns.add(transport)

    def data_received(self, data):
        if self.peer and self.peer.transport:
            self.peer.transport.write(data)
        else:
            self.pending.append(data)
            self.transport.pause_reading()

    def eof_received(self):
        self.eof = True
        if self.peer and self.peer.transport and self.peer.transport.can_write_eof():
            self.peer.transport.write_eof()
            return True  # keep the other direction open (half-close)
        return False

    def connection_lost(self, exc):
        self.conns.discard(self.transport)
        if self.peer and self.peer.transport:
            self.peer.transport.close()

    def pause_writing(self):
        if self.peer and self.peer.transport:
            self.peer.transport.pause_reading()

    def resume_writing(self):
        if self.peer and self.peer.transport:
            self.peer.transport.resume_reading()

    def join(self, peer: "_Pipe"):
        """Connect to `peer` and flush what arrived before it existed."""
        assert peer.transport is not None and self.transport is not None  # both connected by now
        self.peer = peer
        for chunk in self.pending:
            peer.transport.write(chunk)
        self.pending.clear()
        if self.eof and peer.transport.can_write_eof():
            peer.transport.write_eof()
        self.transport.resume_reading()


class TcpProxy:
    def __init__(self, sock: socket.socket, target: tuple[str, int]):
        self.sock = sock
        self.target = target
        self.server: asyncio.base_events.Server | None = None
        self.conns: set[asyncio.Transport] = set()
        self.dialling: set[asyncio.Task] = set()  # held: asyncio keeps tasks only weakly

    async def start(self):
        self.server = await asyncio.get_running_loop().create_server(self._accepted, sock=self.sock)

    def _accepted(self):
        client = _Pipe(self.conns)
        task = asyncio.ensure_future(self._dial(client))
        self.dialling.add(task)
        task.add_done_callback(self.dialling.discard)
        return client

    async def _dial(self, client: _Pipe):
        loop = asyncio.get_running_loop()
        try:
            _, upstream = await loop.create_connection(lambda: _Pipe(self.conns), *self.target)
        except OSError:
            if client.transport:
                client.transport.abort()
            return
        if client.transport is None or client.transport.is_closing():
            if upstream.transport is not None:
                upstream.transport.close()
            return
        upstream.join(client)
        client.join(upstream)

    async def close(self):
        if self.server:
            self.server.close()
        for transport in list(self.conns):
            transport.abort()
        self.conns.clear()


class _UdpUpstream(asyncio.DatagramProtocol):
    def __init__(self, front: "UdpProxy", client: tuple):
        self.front, self.client = front, client

    def datagram_received(self, data, addr):
        self.front.reply(data, self.client)


class UdpProxy(asyncio.DatagramProtocol):
    """Relays datagrams per client address through a connected socket to the container."""

    def __init__(self, sock: socket.socket, target: tuple[str, int]):
        self.sock, self.target = sock, target
        self.transport = None
        self.flows: dict[tuple, tuple[asyncio.DatagramTransport, float]] = {}
        self.forwarding: set[asyncio.Task] = set()  # held: asyncio keeps tasks only weakly

    async def start(self):
        loop = asyncio.get_running_loop()
        await loop.create_datagram_endpoint(lambda: self, sock=self.sock)

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        task = asyncio.ensure_future(self._forward(data, addr))
        self.forwarding.add(task)
        task.add_done_callback(self.forwarding.discard)

    async def _forward(self, data, client):
        loop = asyncio.get_running_loop()
        flow = self.flows.get(client)
        if flow is None:
            transport, _ = await loop.create_datagram_endpoint(
                lambda: _UdpUpstream(self, client), remote_addr=self.target
            )
            flow = (transport, 0.0)
        self.flows[client] = (flow[0], loop.time())
        flow[0].sendto(data)
        self._expire(loop.time())

    def _expire(self, now: float):
        for client, (transport, seen) in list(self.flows.items()):
            if now - seen > UDP_IDLE_SECONDS:
                transport.close()
                del self.flows[client]

    def reply(self, data, client):
        if self.transport:
            self.transport.sendto(data, client)

    async def close(self):
        if self.transport:
            self.transport.close()
        for transport, _ in self.flows.values():
            transport.close()
        self.flows.clear()


def make_proxy(proto: str, sock: socket.socket, target: tuple[str, int]):
    return TcpProxy(sock, target) if proto == "tcp" else UdpProxy(sock, target)
