"""Docker's multiplexed stream framing ("stdcopy"): 8-byte header, then the payload (pure)."""

import struct

STDIN, STDOUT, STDERR, SYSTEM_ERROR = 0, 1, 2, 3
HEADER = struct.Struct(">BxxxL")


def frame(stream: int, payload: bytes) -> bytes:
    return HEADER.pack(stream, len(payload)) + payload


class Demultiplexer:
    """Feeds bytes in, yields (stream, payload) frames out; keeps partial frames for later."""

    def __init__(self):
        self._pending = b""

    def feed(self, data: bytes) -> list[tuple[int, bytes]]:
        self._pending += data
        frames = []
        while len(self._pending) >= HEADER.size:
            stream, size = HEADER.unpack_from(self._pending)
            end = HEADER.size + size
            if len(self._pending) < end:
                break
            frames.append((stream, self._pending[HEADER.size:end]))
            self._pending = self._pending[end:]
        return frames
