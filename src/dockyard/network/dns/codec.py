"""DNS message codec (sans-IO, RFC 1035): parse queries, build answers; enough for A records."""

from __future__ import annotations

from collections.abc import Sequence
import ipaddress
import struct
from dataclasses import dataclass

TYPE_A = 1
TYPE_AAAA = 28
TYPE_ANY = 255
CLASS_IN = 1

NOERROR, FORMERR, SERVFAIL, NXDOMAIN, NOTIMP, REFUSED = 0, 1, 2, 3, 4, 5

_HEADER = struct.Struct("!HHHHHH")
_QR = 0x8000
_AA = 0x0400
_RD = 0x0100
_RA = 0x0080
_MAX_POINTERS = 32


class DnsFormatError(ValueError):
    """The bytes are not a DNS message we can read."""


@dataclass(frozen=True)
class Question:
    name: str  # lower-case, no trailing dot
    qtype: int
    qclass: int = CLASS_IN


@dataclass(frozen=True)
class Message:
    id: int
    flags: int
    questions: tuple[Question, ...]
    answers: tuple[tuple[str, int, bytes], ...] = ()  # (name, type, rdata)

    @property
    def is_response(self) -> bool:
        return bool(self.flags & _QR)

    @property
    def opcode(self) -> int:
        return (self.flags >> 11) & 0xF

    @property
    def rcode(self) -> int:
        return self.flags & 0xF

    def addresses(self) -> list[str]:
        return [str(ipaddress.IPv4Address(r)) for _, t, r in self.answers if t == TYPE_A]


def _read_name(data: bytes, offset: int) -> tuple[str, int]:
    """Read a possibly compressed name; return (name, offset after it)."""
    labels, end, jumps = [], None, 0
    while True:
        if offset >= len(data):
            raise DnsFormatError("name runs past the message")
        length = data[offset]
        if length & 0xC0 == 0xC0:
            if offset + 1 >= len(data):
                raise DnsFormatError("truncated pointer")
            jumps += 1
            if jumps > _MAX_POINTERS:
                raise DnsFormatError("pointer loop")
            if end is None:
                end = offset + 2
            offset = ((length & 0x3F) << 8) | data[offset + 1]
            continue
        if length & 0xC0:
            raise DnsFormatError("bad label type")
        offset += 1
        if length == 0:
            break
        if offset + length > len(data):
            raise DnsFormatError("label runs past the message")
        labels.append(data[offset : offset + length].decode("ascii", "replace"))
        offset += length
    return ".".join(labels).lower(), (end if end is not None else offset)


def encode_name(name: str) -> bytes:
    out = bytearray()
    for label in name.rstrip(".").split("."):
        if not label:
            continue
        raw = label.encode("ascii")
        if len(raw) > 63:
            raise DnsFormatError(f"label too long: {label}")
        out += bytes([len(raw)]) + raw
    return bytes(out + b"\x00")


def parse(data: bytes) -> Message:
    """Parse a query or response (answers kept as raw rdata)."""
    if len(data) < _HEADER.size:
        raise DnsFormatError("message shorter than its header")
    msg_id, flags, qd, an, _ns, _ar = _HEADER.unpack_from(data)
    offset = _HEADER.size
    questions = []
    for _ in range(qd):
        name, offset = _read_name(data, offset)
        if offset + 4 > len(data):
            raise DnsFormatError("truncated question")
        qtype, qclass = struct.unpack_from("!HH", data, offset)
        offset += 4
        questions.append(Question(name, qtype, qclass))
    answers = []
    for _ in range(an):
        name, offset = _read_name(data, offset)
        if offset + 10 > len(data):
            raise DnsFormatError("truncated record")
        rtype, _rclass, _ttl, rdlen = struct.unpack_from("!HHIH", data, offset)
        offset += 10
        if offset + rdlen > len(data):
            raise DnsFormatError("truncated rdata")
        answers.append((name, rtype, data[offset : offset + rdlen]))
        offset += rdlen
    return Message(msg_id, flags, tuple(questions), tuple(answers))


def build_query(msg_id: int, name: str, qtype: int = TYPE_A, recursion: bool = True) -> bytes:
    flags = _RD if recursion else 0
    header = _HEADER.pack(msg_id, flags, 1, 0, 0, 0)
    return header + encode_name(name) + struct.pack("!HH", qtype, CLASS_IN)


def build_response(
    query: Message, rcode: int, addresses: Sequence[str] = (), ttl: int = 600, authoritative=True
) -> bytes:
    """Answer the query's first question with A records (compressed to the question name)."""
    flags = _QR | _RA | (query.flags & _RD) | (query.opcode << 11) | (rcode & 0xF)
    if authoritative and rcode in (NOERROR, NXDOMAIN):
        flags |= _AA
    questions = query.questions[:1]
    header = _HEADER.pack(query.id, flags, len(questions), len(addresses) if questions else 0, 0, 0)
    body = bytearray(header)
    for q in questions:
        body += encode_name(q.name) + struct.pack("!HH", q.qtype, q.qclass)
    if questions:
        for addr in addresses:
            rdata = ipaddress.IPv4Address(addr).packed
            # 0xC00C points at the question name, right after the 12-byte header
            body += struct.pack("!HHHIH", 0xC00C, TYPE_A, CLASS_IN, ttl, len(rdata)) + rdata
    return bytes(body)


def error_response(data: bytes, rcode: int) -> bytes | None:
    """A minimal error reply echoing only the ID, for messages we could not parse."""
    if len(data) < 2:
        return None
    (msg_id,) = struct.unpack_from("!H", data)
    return _HEADER.pack(msg_id, _QR | _RA | (rcode & 0xF), 0, 0, 0, 0)
