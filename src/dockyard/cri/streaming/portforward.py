"""Port forwarding into a pod over SPDY (`portforward.k8s.io`): for each connection the client
opens an error stream and a data stream with the same `requestID` and `port`; the data is
copied to and from a connection to localhost:<port> made inside the pod's network namespace."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket

from dockyard.cri.streaming.spdy_session import SpdySession, SpdyStream

log = logging.getLogger(__name__)
READ_SIZE = 64 * 1024
PAIR_WAIT = 30.0


async def serve(session: SpdySession, connect, allowed_ports: list[int]) -> None:
    """connect(port) → a connected socket (blocking; run in a thread)."""
    pending: dict[str, dict[str, SpdyStream]] = {}
    tasks: set[asyncio.Task] = set()
    try:
        while True:
            stream = await session.accept()
            if stream is None:
                break
            request = stream.header("requestID")
            pair = pending.setdefault(request, {})
            pair[stream.header("streamType")] = stream
            if "error" in pair and "data" in pair:
                del pending[request]
                task = asyncio.ensure_future(_forward(pair["data"], pair["error"], connect, allowed_ports))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
    finally:
        for task in list(tasks):
            task.cancel()
        await session.close()


async def _forward(data: SpdyStream, error: SpdyStream, connect, allowed_ports: list[int]) -> None:
    port_text = data.header("port")
    try:
        port = int(port_text)
        if allowed_ports and port not in allowed_ports:
            raise ValueError(f"port {port} was not asked for")
        sock = await asyncio.to_thread(connect, port)
    except (ValueError, OSError) as err:
        await error.write(f"error forwarding port {port_text}: {err}".encode())
        await error.close()
        await data.close()
        return
    reader, writer = await asyncio.open_connection(sock=sock)
    to_pod = asyncio.ensure_future(_client_to_pod(data, writer))
    try:
        while True:
            chunk = await reader.read(READ_SIZE)
            if not chunk:
                break
            await data.write(chunk)
    except ConnectionError:
        pass
    finally:
        await data.close()
        await error.close()
        await asyncio.wait([to_pod], timeout=1)
        to_pod.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await to_pod
        writer.close()


async def _client_to_pod(data: SpdyStream, writer: asyncio.StreamWriter) -> None:
    while True:
        chunk = await data.read()
        if chunk is None:
            if writer.can_write_eof():
                writer.write_eof()
            return
        writer.write(chunk)
        await writer.drain()


def tcp_connector(namespaces, netns_path: str | None):
    """connect(port): localhost:<port> in the pod's network namespace (or the host's)."""
    def connect(port: int) -> socket.socket:
        def dial() -> socket.socket:
            sock = socket.create_connection(("127.0.0.1", port), timeout=10)
            sock.settimeout(None)
            return sock
        return namespaces.call_in(netns_path, dial) if netns_path else dial()
    return connect
