"""One HTTP/1.1 exchange over a unix or TCP socket, framed by h11; hijack for attach/exec."""

import json
import os
import socket
from dataclasses import dataclass
from typing import Iterable, Iterator
from urllib.parse import urlencode, urlsplit

import h11

DEFAULT_HOST = "unix:///run/dockyard.sock"


def host_from_env() -> str:
    return os.environ.get("DOCKYARD_HOST") or os.environ.get("DOCKER_HOST") or DEFAULT_HOST


def connect(host: str) -> socket.socket:
    if host.startswith("unix://"):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(host[len("unix://"):])
        return sock
    address = urlsplit(host)
    return socket.create_connection((address.hostname, address.port))


@dataclass
class HttpResponse:
    status: int
    headers: dict[str, str]
    _conn: h11.Connection
    _sock: socket.socket

    def chunks(self) -> Iterator[bytes]:
        while True:
            event = _next_event(self._conn, self._sock)
            if isinstance(event, h11.Data):
                yield bytes(event.data)
            else:
                self._sock.close()
                return

    def read(self) -> bytes:
        return b"".join(self.chunks())

    def json(self):
        return json.loads(self.read() or b"null")

    def json_lines(self) -> Iterator[dict]:
        pending = b""
        for chunk in self.chunks():
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                if line.strip():
                    yield json.loads(line)
        if pending.strip():
            yield json.loads(pending)

    def hijacked_socket(self) -> tuple[socket.socket, bytes]:
        """After a 101: the raw socket and the bytes h11 had already read past the head."""
        leftover, _ = self._conn.trailing_data
        return self._sock, bytes(leftover)

    def close(self) -> None:
        self._sock.close()


def request(
    host: str,
    method: str,
    path: str,
    query: dict | None = None,
    body: bytes | Iterable[bytes] | None = None,
    headers: dict[str, str] | None = None,
    upgrade: bool = False,
) -> HttpResponse:
    sock = connect(host)
    conn = h11.Connection(h11.CLIENT)
    target = path + ("?" + urlencode(_clean(query), doseq=True) if query else "")
    head = {"Host": "dockyard", "User-Agent": "dockyard-client", **(headers or {})}
    if upgrade:
        head.update({"Connection": "Upgrade", "Upgrade": "tcp"})
    if isinstance(body, (bytes, bytearray)):
        head["Content-Length"] = str(len(body))
    elif body is not None:
        head["Transfer-Encoding"] = "chunked"
    else:
        head["Content-Length"] = "0"
    sock.sendall(conn.send(h11.Request(method=method, target=target, headers=list(head.items()))))
    for piece in [body] if isinstance(body, (bytes, bytearray)) else (body or []):
        if piece:
            sock.sendall(conn.send(h11.Data(data=piece)))
    sock.sendall(conn.send(h11.EndOfMessage()))
    event = _next_event(conn, sock)
    while isinstance(event, h11.InformationalResponse) and event.status_code != 101:
        event = _next_event(conn, sock)
    headers_out = {k.decode().lower(): v.decode("latin-1") for k, v in event.headers}
    return HttpResponse(event.status_code, headers_out, conn, sock)


def _clean(query: dict) -> dict:
    return {k: v for k, v in query.items() if v is not None}


def _next_event(conn: h11.Connection, sock: socket.socket):
    while True:
        event = conn.next_event()
        if event is h11.NEED_DATA:
            conn.receive_data(sock.recv(65536))
            continue
        return event
