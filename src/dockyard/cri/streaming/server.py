"""The streaming server: Exec, Attach and PortForward calls get a one-time URL of it, and the
client (crictl, critest, the kubelet) upgrades an HTTP request there to SPDY/3.1 or to a
WebSocket. URLs expire after a minute unused, as the kubelet's own streaming server's do."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import h11

from dockyard.cri.streaming import portforward, remotecommand
from dockyard.cri.streaming.channels import PROTOCOLS as CHANNEL_PROTOCOLS
from dockyard.cri.streaming.channels import SPDY_TUNNEL, ChannelConnection, WebSocketTunnel, handshake_response
from dockyard.cri.streaming.spdy_session import SpdySession
from dockyard.cri.streaming.streams import (ERROR, RESIZE, STDERR, STDIN, STDOUT, ChannelCommandStreams,
                                            SpdyCommandStreams)
from dockyard.errors import DockyardError, InvalidArgument

log = logging.getLogger(__name__)
TOKEN_TTL = 60.0
SPDY_COMMAND_PROTOCOLS = ("v4.channel.k8s.io", "v3.channel.k8s.io", "v2.channel.k8s.io", "channel.k8s.io")
PORT_FORWARD_PROTOCOL = "portforward.k8s.io"
HEAD_LIMIT = 64 * 1024


@dataclass
class Pending:
    kind: str                  # exec, attach, portforward
    request: Any               # the CRI request (ExecRequest, AttachRequest), or the ports to forward
    target: Any                # the container, or the sandbox record
    expires: float


class StreamingServer:
    def __init__(self, address: str, execs, stdio, namespaces, netns_of):
        self._address = address
        self._execs, self._stdio, self._namespaces, self._netns_of = execs, stdio, namespaces, netns_of
        self._pending: dict[str, Pending] = {}
        self._server: asyncio.AbstractServer | None = None
        self._tasks: set[asyncio.Task] = set()      # held strongly: see api.server.ConnectionTasks
        self.base_url = ""

    async def start(self) -> None:
        host, _, port = self._address.rpartition(":")
        self._server = await asyncio.start_server(self._serve, host or "127.0.0.1", int(port or 0))
        bound = self._server.sockets[0].getsockname()
        self.base_url = f"http://{_url_host(bound[0])}:{bound[1]}"
        log.info("CRI streaming server on %s", self.base_url)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()

    # -- URLs ------------------------------------------------------------------------------
    def exec_url(self, container, request) -> str:
        if not request.cmd:
            raise InvalidArgument("exec needs a command")
        if not (request.stdin or request.stdout or request.stderr):
            raise InvalidArgument("one of stdin, stdout, or stderr must be set")
        return self._url("exec", request, container)

    def attach_url(self, container, request) -> str:
        if not (request.stdin or request.stdout or request.stderr):
            raise InvalidArgument("one of stdin, stdout, or stderr must be set")
        return self._url("attach", request, container)

    def port_forward_url(self, record: dict, ports: list[int]) -> str:
        return self._url("portforward", ports, record)

    def _url(self, kind: str, request, target) -> str:
        now = time.monotonic()
        self._pending = {t: p for t, p in self._pending.items() if p.expires > now}
        token = secrets.token_urlsafe(12)
        self._pending[token] = Pending(kind, request, target, now + TOKEN_TTL)
        return f"{self.base_url}/{kind}/{token}"

    # -- connections -----------------------------------------------------------------------
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None               # a connection's callback runs as a task
        self._tasks.add(task)
        try:
            await self._handle(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except Exception:
            log.exception("CRI streaming connection failed")
        finally:
            self._tasks.discard(task)
            writer.close()

    async def _handle(self, reader, writer) -> None:
        request, leftover = await _read_head(reader)
        if request is None:
            return
        headers: dict[str, list[str]] = {}
        for name, value in request.headers:
            headers.setdefault(name.decode().lower(), []).append(value.decode())
        _, kind, token = (urlsplit(request.target.decode()).path.split("/") + ["", ""])[:3]
        pending = self._pending.pop(token, None)
        if pending is None or pending.kind != kind or pending.expires < time.monotonic():
            await _reply(writer, 404, "Not Found", "stream URL unknown or expired\n")
            return
        upgrade = ",".join(headers.get("upgrade", [])).lower()
        if "websocket" in upgrade:
            await self._websocket(reader, writer, headers, pending, leftover)
        elif "spdy/3.1" in upgrade:
            await self._spdy(reader, writer, headers, pending, leftover)
        else:
            await _reply(writer, 400, "Bad Request", "an upgrade to SPDY/3.1 or websocket is required\n")

    async def _spdy(self, reader, writer, headers: dict, pending: Pending, leftover: bytes) -> None:
        offered = _list(headers.get("x-stream-protocol-version", []))
        supported = (PORT_FORWARD_PROTOCOL,) if pending.kind == "portforward" else SPDY_COMMAND_PROTOCOLS
        protocol = next((p for p in offered if p in supported), None)
        if protocol is None:
            await _reply(writer, 403, "Forbidden", f"protocols {offered} not supported; supported: {list(supported)}\n")
            return
        writer.write(b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n"
                     b"X-Stream-Protocol-Version: " + protocol.encode() + b"\r\n\r\n")
        await writer.drain()
        session = SpdySession(reader, writer)
        session.start(leftover)
        if pending.kind == "portforward":
            await self._port_forward(session, pending)
            return
        request, tty = pending.request, bool(pending.request.tty)
        wanted = {ERROR} | {kind for kind, on in ((STDIN, request.stdin), (STDOUT, request.stdout),
                                                 (STDERR, request.stderr and not tty),
                                                 (RESIZE, tty and protocol != "v2.channel.k8s.io")) if on}
        try:
            streams = await SpdyCommandStreams.gather(session, wanted)
        except DockyardError as err:
            log.info("CRI %s stream: %s", pending.kind, err.message)
            await session.close()
            return
        await self._run(streams, pending, protocol == "v4.channel.k8s.io")

    async def _websocket(self, reader, writer, headers: dict, pending: Pending, leftover: bytes) -> None:
        offered = _list(headers.get("sec-websocket-protocol", []))
        supported = (SPDY_TUNNEL,) if pending.kind == "portforward" else CHANNEL_PROTOCOLS
        protocol = next((p for p in offered if p in supported), None)
        key = (headers.get("sec-websocket-key") or [""])[0]
        if protocol is None or not key:
            await _reply(writer, 400, "Bad Request", f"websocket protocols {offered} not supported here\n")
            return
        writer.write(handshake_response(key, protocol))
        await writer.drain()
        if pending.kind == "portforward":
            tunnel = WebSocketTunnel(_Prefixed(reader, leftover), writer)
            session = SpdySession(tunnel, tunnel)
            session.start()
            await self._port_forward(session, pending)
            return
        connection = ChannelConnection(_Prefixed(reader, leftover), writer, protocol)
        request, tty = pending.request, bool(pending.request.tty)
        kinds = {kind for kind, on in ((STDIN, request.stdin), (STDOUT, request.stdout),
                                       (STDERR, request.stderr and not tty), (RESIZE, tty)) if on}
        streams = ChannelCommandStreams(connection, kinds)
        first = STDOUT if STDOUT in kinds else STDERR if STDERR in kinds else ERROR
        await streams.write(first, b"")    # the kubelet's "connected" message
        await self._run(streams, pending, protocol in ("v4.channel.k8s.io", "v5.channel.k8s.io"))

    async def _port_forward(self, session: SpdySession, pending: Pending) -> None:
        connect = portforward.tcp_connector(self._namespaces, self._netns_of(pending.target))
        await portforward.serve(session, connect, list(pending.request))

    async def _run(self, streams, pending: Pending, structured: bool) -> None:
        request, tty = pending.request, bool(pending.request.tty)
        if pending.kind == "exec":
            await remotecommand.run_exec(streams, self._execs, pending.target, list(request.cmd), tty, structured)
        else:
            await remotecommand.run_attach(streams, self._stdio, pending.target, tty, structured)


class _Prefixed:
    """A stream reader that first gives back bytes read with the HTTP request head."""

    def __init__(self, reader: asyncio.StreamReader, leftover: bytes):
        self._reader, self._leftover = reader, leftover

    async def read(self, n: int) -> bytes:
        if self._leftover:
            data, self._leftover = self._leftover, b""
            return data
        return await self._reader.read(n)


async def _read_head(reader: asyncio.StreamReader) -> tuple[h11.Request | None, bytes]:
    connection = h11.Connection(h11.SERVER, max_incomplete_event_size=HEAD_LIMIT)
    while True:
        event = connection.next_event()
        if isinstance(event, h11.Request):
            return event, bytes(connection.trailing_data[0])
        if event is not h11.NEED_DATA:
            return None, b""
        data = await reader.read(HEAD_LIMIT)
        if not data:
            return None, b""
        connection.receive_data(data)


async def _reply(writer, code: int, reason: str, text: str) -> None:
    body = text.encode()
    writer.write(f"HTTP/1.1 {code} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {len(body)}\r\n"
                 f"Connection: close\r\n\r\n".encode() + body)
    await writer.drain()


def _list(values: list[str]) -> list[str]:
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
