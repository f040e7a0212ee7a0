"""gRPC's length-prefixed messages and status codes (pure)."""

from __future__ import annotations

import enum
import struct
from urllib.parse import quote, unquote

_PREFIX = struct.Struct(">BI")


class Status(enum.IntEnum):
    OK = 0
    CANCELLED = 1
    UNKNOWN = 2
    INVALID_ARGUMENT = 3
    NOT_FOUND = 5
    ALREADY_EXISTS = 6
    PERMISSION_DENIED = 7
    FAILED_PRECONDITION = 9
    UNIMPLEMENTED = 12
    INTERNAL = 13
    UNAVAILABLE = 14


class GrpcError(Exception):
    """A call that ended with a status other than OK."""

    def __init__(self, code: Status | int, message: str):   # int: a code gRPC does not name
        super().__init__(message)
        self.code, self.message = code, message


def encode_message(payload: bytes) -> bytes:
    return _PREFIX.pack(0, len(payload)) + payload


class MessageReader:
    """Bytes of a stream in, whole messages out."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        self._buffer += data
        messages = []
        while len(self._buffer) >= _PREFIX.size:
            compressed, length = _PREFIX.unpack_from(self._buffer)
            if len(self._buffer) < _PREFIX.size + length:
                break
            if compressed:
                raise GrpcError(Status.UNIMPLEMENTED, "compressed gRPC messages are not supported")
            messages.append(bytes(self._buffer[_PREFIX.size:_PREFIX.size + length]))
            del self._buffer[:_PREFIX.size + length]
        return messages

    @property
    def pending(self) -> bool:
        return bool(self._buffer)


def status_headers(code: Status | int, message: str) -> list[tuple[str, str]]:
    headers = [("grpc-status", str(int(code)))]
    message = message.strip()   # a header value neither starts nor ends with whitespace (RFC 9113)
    if message:
        headers.append(("grpc-message", quote(message, safe=" !\"#$&'()*+,-./:;<=>?@[\\]^_`{|}~")))
    return headers


def status_of(headers: dict[str, str]) -> tuple[Status | int, str]:
    """The status a peer's trailers (or trailers-only response) carry."""
    try:
        code: Status | int = Status(int(headers.get("grpc-status", "2")))
    except ValueError:
        code = int(headers["grpc-status"])
    return code, unquote(headers.get("grpc-message", ""))
