"""Requests too malformed to route, answered as Go's net/http answers them for dockerd (pure).

dockerd never drops such a connection: it writes a plain-text status and closes. The checks
follow Go's order: request line, header lines, Content-Length and Transfer-Encoding, Host,
then each header's name and value. Its limit is 1 MiB of request line and headers together
(http.DefaultMaxHeaderBytes, plus the 4 KiB Go allows on top): a 100 KB header is served.
"""

from __future__ import annotations

import re

MAX_HEAD_BYTES = (1 << 20) + 4096
_TOKEN = re.compile(rb"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_VERSION = re.compile(rb"^HTTP/(\d)\.(\d)$")
BAD_REQUEST = "400 Bad Request"
TOO_LARGE = "431 Request Header Fields Too Large"


def answer(public: str, body: str | None = None) -> bytes:
    """Go's reply to a request it cannot serve: no length, the connection closes after it."""
    return (f"HTTP/1.1 {public}\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"
            f"{public if body is None else body}").encode()


def unsupported_encoding() -> bytes:
    return answer("501 Not Implemented", "Unsupported transfer encoding")


def head_error(head: bytes) -> str:
    """The status line text Go sends for a request head that h11 refused."""
    lines = re.split(rb"\r?\n", head.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0])
    parts = lines[0].split(b" ")
    if len(parts) != 3 or not _VERSION.match(parts[2]) or not parts[0] or b"\x00" in lines[0]:
        return BAD_REQUEST
    headers: list[tuple[bytes, bytes]] = []
    for line in lines[1:]:
        if line[:1] in (b" ", b"\t") and headers:
            continue  # an obsolete folded continuation
        name, colon, value = line.partition(b":")
        if not colon:
            return BAD_REQUEST
        headers.append((name, value.strip(b" \t")))
    names = [name.lower() for name, _ in headers]
    if b"content-length" in names:
        lengths = {value for name, value in headers if name.lower() == b"content-length"}
        if len(lengths) != 1 or not lengths.pop().isdigit():
            return BAD_REQUEST
    if parts[2] != b"HTTP/1.0" and b"host" not in names:
        return f"{BAD_REQUEST}: missing required Host header"
    if any(not _TOKEN.match(name) for name, _ in headers):
        return f"{BAD_REQUEST}: invalid header name"
    if any(any((b < 0x20 and b != 0x09) or b == 0x7F for b in value) for _, value in headers):
        return f"{BAD_REQUEST}: invalid header value"
    return BAD_REQUEST


def target_error(target: str, http_version: bytes, head_size: int = 0) -> str | None:
    """What Go refuses in a request head h11 accepted: more than its limit (h11 checks only
    heads still incomplete in its buffer), other HTTP versions than 1.x, targets that are not a
    path (or `*`, or absolute), and bad percent-escapes in the path."""
    if head_size > MAX_HEAD_BYTES:
        return TOO_LARGE
    if not http_version.startswith(b"1."):
        return "505 HTTP Version Not Supported: unsupported protocol version"
    if not (target.startswith("/") or target == "*" or re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", target)):
        return BAD_REQUEST
    path = target.split("?", 1)[0]
    if re.search(r"%(?![0-9A-Fa-f]{2})", path):
        return BAD_REQUEST
    return None
