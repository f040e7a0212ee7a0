"""Raw HTTP/1.1 over a daemon's unix socket: send exactly these bytes, read the whole answer.

For requests no well-behaved client would send (garbage request lines, bad Content-Length,
NUL bytes in headers), where what matters is the status line and body the server answers with
and that it answers at all.
"""

import json
import socket
from dataclasses import dataclass


@dataclass
class Answer:
    status: int | None          # None: the server closed the connection without answering
    reason: str
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


def exchange(socket_path: str, raw: bytes, timeout: float = 30) -> Answer:
    """Send `raw`, then read until the answer is complete or the server closes."""
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(timeout)
        sock.connect(socket_path)
        try:
            sock.sendall(raw)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close before reading everything
        received = b""
        while not _complete(received, head_only=raw.startswith(b"HEAD ")):
            try:
                data = sock.recv(65536)
            except ConnectionResetError:
                break
            if not data:
                break
            received += data
    return parse(received)


def request(method: str, target: str, body: bytes | str | None = None,
            content_type: str | None = "application/json", headers: dict[str, str] | None = None) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", "Host: dockyard"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    data = body.encode() if isinstance(body, str) else body
    if data is not None:
        if content_type is not None:
            lines.append(f"Content-Type: {content_type}")
        lines.append(f"Content-Length: {len(data)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (data or b"")


def _complete(received: bytes, head_only: bool) -> bool:
    head, sep, body = received.partition(b"\r\n\r\n")
    if not sep:
        return False
    if head_only:  # the answer to HEAD has no body, whatever its Content-Length says
        return True
    fields = _headers(head)
    if "content-length" in fields:
        return len(body) >= int(fields["content-length"])
    if "chunked" in fields.get("transfer-encoding", ""):
        return body.endswith(b"0\r\n\r\n")
    status = head.split(b" ", 2)[1:2]
    return status in ([b"204"], [b"304"])  # otherwise the body ends when the server closes


def _headers(head: bytes) -> dict[str, str]:
    fields = {}
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.decode("latin-1").partition(":")
        fields[name.strip().lower()] = value.strip()
    return fields


def parse(received: bytes) -> Answer:
    if not received:
        return Answer(None, "", {}, b"")
    head, _, body = received.partition(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0].decode("latin-1")
    _, status, reason = (status_line.split(" ", 2) + [""])[:3]
    fields = _headers(head)
    if "chunked" in fields.get("transfer-encoding", ""):
        body = _unchunk(body)
    return Answer(int(status), reason, fields, body)


def _unchunk(data: bytes) -> bytes:
    out = b""
    while data:
        size_line, _, rest = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out, data = out + rest[:size], rest[size + 2:]
    return out
