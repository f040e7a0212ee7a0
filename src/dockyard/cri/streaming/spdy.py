"""SPDY/3.1 framing, sans-IO: bytes in, frames out, and frames to bytes.

Kubernetes streams exec, attach and port-forward over SPDY/3.1 (client-go's SPDY executor,
crictl, the kubelet's API-server proxy). No maintained Python SPDY library exists, and the
subset needed is small: SYN_STREAM/SYN_REPLY with zlib-compressed header blocks (one
compression context per direction, primed with the protocol's dictionary), DATA with FIN,
RST_STREAM, PING, GOAWAY; SETTINGS and WINDOW_UPDATE are read and ignored, as Kubernetes'
own SPDY library does (it does no flow control).
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field

VERSION = 3
SYN_STREAM, SYN_REPLY, RST_STREAM, SETTINGS, PING, GOAWAY, HEADERS, WINDOW_UPDATE = 1, 2, 3, 4, 6, 7, 8, 9
FLAG_FIN = 0x01
MAX_DATA = 0xFFFFFF
RST_PROTOCOL_ERROR, RST_CANCEL = 1, 5


def _dictionary() -> bytes:
    """The header compression dictionary of SPDY/3 (draft 3, 2.6.10.1): length-prefixed words,
    then a run of status lines, dates and common values."""
    words = ("options head post put delete trace accept accept-charset accept-encoding accept-language "
             "accept-ranges age allow authorization cache-control connection content-base content-encoding "
             "content-language content-length content-location content-md5 content-range content-type date "
             "etag expect expires from host if-match if-modified-since if-none-match if-range "
             "if-unmodified-since last-modified location max-forwards pragma proxy-authenticate "
             "proxy-authorization range referer retry-after server te trailer transfer-encoding upgrade "
             "user-agent vary via warning www-authenticate method get status").split()
    words += ["200 OK", "version", "HTTP/1.1", "url", "public", "set-cookie", "keep-alive", "origin"]
    tail = ("100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505"
            "203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request"
            "401 Unauthorized403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented"
            "503 Service UnavailableJan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 "
            "Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMTchunked,text/html,image/png,image/jpg,image/gif,"
            "application/xml,application/xhtml+xml,text/plain,text/javascript,publicprivatemax-age="
            "gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.")
    return b"".join(struct.pack(">I", len(w)) + w.encode() for w in words) + tail.encode()


DICTIONARY = _dictionary()


class ProtocolError(Exception):
    pass


@dataclass
class Frame:
    kind: str                          # "data" or "control"
    stream_id: int = 0
    flags: int = 0
    data: bytes = b""
    type: int = 0                      # control frames
    headers: dict[str, list[str]] = field(default_factory=dict)
    status: int = 0                    # RST_STREAM, GOAWAY
    ping_id: int = 0

    @property
    def fin(self) -> bool:
        return bool(self.flags & FLAG_FIN)


class Decoder:
    """Bytes from the peer → frames. One per connection (the header inflater is stateful)."""

    def __init__(self):
        self._buffer = bytearray()
        self._inflate = zlib.decompressobj(zdict=DICTIONARY)

    def feed(self, data: bytes) -> list[Frame]:
        self._buffer += data
        frames = []
        while len(self._buffer) >= 8:
            length = int.from_bytes(self._buffer[5:8], "big")
            if len(self._buffer) < 8 + length:
                break
            head, body = bytes(self._buffer[:8]), bytes(self._buffer[8:8 + length])
            del self._buffer[:8 + length]
            frames.append(self._frame(head, body))
        return frames

    def _frame(self, head: bytes, body: bytes) -> Frame:
        flags = head[4]
        if not head[0] & 0x80:
            return Frame("data", int.from_bytes(head[:4], "big") & 0x7FFFFFFF, flags, body)
        version = int.from_bytes(head[:2], "big") & 0x7FFF
        kind = int.from_bytes(head[2:4], "big")
        if version != VERSION:
            raise ProtocolError(f"unsupported SPDY version {version}")
        frame = Frame("control", flags=flags, type=kind)
        if kind in (SYN_STREAM, SYN_REPLY, HEADERS, RST_STREAM, WINDOW_UPDATE):
            frame.stream_id = int.from_bytes(body[:4], "big") & 0x7FFFFFFF
        if kind == SYN_STREAM:
            frame.headers = self._headers(body[10:])
        elif kind in (SYN_REPLY, HEADERS):
            frame.headers = self._headers(body[4:])
        elif kind == RST_STREAM:
            frame.status = int.from_bytes(body[4:8], "big")
        elif kind == PING:
            frame.ping_id = int.from_bytes(body[:4], "big")
        elif kind == GOAWAY:
            frame.stream_id = int.from_bytes(body[:4], "big") & 0x7FFFFFFF
            frame.status = int.from_bytes(body[4:8], "big") if len(body) >= 8 else 0
        return frame

    def _headers(self, block: bytes) -> dict[str, list[str]]:
        try:
            raw = self._inflate.decompress(block)
        except zlib.error as err:
            raise ProtocolError(f"bad header block: {err}") from None
        count, offset = struct.unpack_from(">I", raw, 0)[0], 4
        headers: dict[str, list[str]] = {}
        for _ in range(count):
            name, offset = _string(raw, offset)
            value, offset = _string(raw, offset)
            headers.setdefault(name.lower(), []).extend(value.split("\0"))
        return headers


def _string(raw: bytes, offset: int) -> tuple[str, int]:
    (length,) = struct.unpack_from(">I", raw, offset)
    end = offset + 4 + length
    if end > len(raw):
        raise ProtocolError("truncated header block")
    return raw[offset + 4:end].decode("utf-8", "replace"), end


class Encoder:
    """Frames to the peer → bytes. One per connection (the header deflater is stateful)."""

    def __init__(self):
        self._deflate = zlib.compressobj(zdict=DICTIONARY)

    def _headers(self, headers: dict[str, str]) -> bytes:
        raw = struct.pack(">I", len(headers))
        for name, value in headers.items():
            raw += struct.pack(">I", len(name)) + name.lower().encode()
            raw += struct.pack(">I", len(value.encode())) + value.encode()
        return self._deflate.compress(raw) + self._deflate.flush(zlib.Z_SYNC_FLUSH)

    @staticmethod
    def _control(kind: int, flags: int, body: bytes) -> bytes:
        return struct.pack(">HHI", 0x8000 | VERSION, kind, flags << 24 | len(body)) + body

    def syn_reply(self, stream_id: int, headers: dict[str, str] | None = None, fin: bool = False) -> bytes:
        return self._control(SYN_REPLY, FLAG_FIN if fin else 0,
                             struct.pack(">I", stream_id) + self._headers(headers or {}))

    def syn_stream(self, stream_id: int, headers: dict[str, str], fin: bool = False) -> bytes:
        return self._control(SYN_STREAM, FLAG_FIN if fin else 0,
                             struct.pack(">IIH", stream_id, 0, 0) + self._headers(headers))

    @staticmethod
    def data(stream_id: int, data: bytes, fin: bool = False) -> bytes:
        chunks = [data[i:i + MAX_DATA] for i in range(0, len(data), MAX_DATA)] or [b""]
        out = b""
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            out += struct.pack(">II", stream_id, (FLAG_FIN if fin and last else 0) << 24 | len(chunk)) + chunk
        return out

    def rst_stream(self, stream_id: int, status: int) -> bytes:
        return self._control(RST_STREAM, 0, struct.pack(">II", stream_id, status))

    def ping(self, ping_id: int) -> bytes:
        return self._control(PING, 0, struct.pack(">I", ping_id))

    def goaway(self, last_stream_id: int, status: int = 0) -> bytes:
        return self._control(GOAWAY, 0, struct.pack(">II", last_stream_id, status))
