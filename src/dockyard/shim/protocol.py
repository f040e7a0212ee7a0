"""Wire codec between the daemon and a shim (sans-IO: bytes in, frames out).

Every connection to a shim's socket carries frames: one kind byte, a big-endian
uint32 payload length, then the payload. A connection starts with one REQUEST
(JSON) and gets one REPLY (JSON: `{"ok": true, ...}` or `{"error": "..."}`).
An `attach` request turns the connection into a stream: the shim then sends
STDOUT/STDERR data frames and finally END (JSON exit status, or `{}` if unknown);
the client may send STDIN data and one CLOSE_STDIN. An `exec` request with an `attach` field
({"stdin", "stdout", "stderr"}) does the same once the process runs: REPLY (with its pid), then
the stream, whose END carries the exec's exit status.

An attach (or an exec's `attach`) with `"direct": true` carries the API client's socket with the
REQUEST (SCM_RIGHTS): the shim then writes the output to that socket in Docker's framing
(stdcopy without a TTY, raw with one) instead of sending STDOUT/STDERR frames, and sends END
once the client has everything and the shim's copy of its socket is closed.

A shim's birth has its own socket (the zygote hands it over): the shim waits on it for
LAUNCH_GO before creating the container (end-of-file instead: it exits having made nothing),
then answers one JSON line, `{"pid": ...}` or `{"error": ...}`.
"""

import json
import struct

REQUEST = ord("Q")
REPLY = ord("R")
STDIN = ord("0")
STDOUT = ord("1")
STDERR = ord("2")
CLOSE_STDIN = ord("C")
END = ord("E")

LAUNCH_GO = b"go\n"

KINDS = frozenset({REQUEST, REPLY, STDIN, STDOUT, STDERR, CLOSE_STDIN, END})
HEADER = struct.Struct(">BL")
MAX_PAYLOAD = 16 * 1024 * 1024


class ProtocolError(Exception):
    """The peer sent bytes that are not frames of this protocol."""


def encode(kind: int, payload: bytes = b"") -> bytes:
    return HEADER.pack(kind, len(payload)) + payload


def encode_json(kind: int, obj) -> bytes:
    return encode(kind, json.dumps(obj, separators=(",", ":")).encode())


def decode_json(payload: bytes):
    try:
        return json.loads(payload)
    except ValueError as err:
        raise ProtocolError(f"malformed json frame: {err}") from None


class FrameDecoder:
    """Accumulates received bytes and yields complete (kind, payload) frames."""

    def __init__(self):
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[tuple[int, bytes]]:
        """Frames completed by data. Payloads are copied once, straight from data when no
        partial frame is held (the usual case for large output frames)."""
        if self._buffer:
            self._buffer += data
            source = self._buffer
        else:
            source = data
        frames = []
        offset = 0
        size = len(source)
        with memoryview(source) as view:
            while size - offset >= HEADER.size:
                kind, length = HEADER.unpack_from(source, offset)
                if kind not in KINDS:
                    raise ProtocolError(f"unknown frame kind {kind}")
                if length > MAX_PAYLOAD:
                    raise ProtocolError(f"frame of {length} bytes is too large")
                end = offset + HEADER.size + length
                if end > size:
                    break
                frames.append((kind, bytes(view[offset + HEADER.size:end])))
                offset = end
            if source is data:
                self._buffer += view[offset:]
        if source is self._buffer:
            del self._buffer[:offset]
        return frames

    @property
    def pending(self) -> int:
        """Bytes of an incomplete frame still held."""
        return len(self._buffer)
