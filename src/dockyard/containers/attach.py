"""Bridging a client's raw stream to a process's stdio session (attach and exec start).

Docker's rules (engine-api.md §4.3): output is multiplexed unless the process has a TTY; stdin
is raw. On stdin EOF, a process whose stdin closes with the client (`StdinOnce`, exec) gets its
stdin closed and output keeps flowing until it exits; otherwise the session ends and the
process keeps running. Detach keys end the session too.
"""

import asyncio
from typing import Protocol

from dockyard.errors import InvalidArgument
from dockyard.wire.stdcopy import frame

DEFAULT_DETACH_KEYS = "ctrl-p,ctrl-q"


class ClientStream(Protocol):
    async def read(self, n: int = 65536) -> bytes: ...
    async def write(self, data: bytes) -> None: ...
    def output_fd(self) -> int | None: ...
    async def until_read(self, timeout: float) -> None: ...


class ProcessSession(Protocol):
    def __aiter__(self): ...
    async def write_stdin(self, data: bytes) -> None: ...
    async def close_stdin(self) -> None: ...
    def close(self) -> None: ...


def parse_detach_keys(spec: str) -> bytes:
    """`ctrl-p,ctrl-q` → b"\\x10\\x11"; single characters stand for themselves."""
    keys = bytearray()
    for part in spec.split(","):
        part = part.strip()
        if part.startswith("ctrl-") and len(part) == 6:
            char = part[5]
            if char in "abcdefghijklmnopqrstuvwxyz@[\\]^_":
                keys.append((ord(char.upper()) - 64) & 0x1F)
                continue
        elif len(part) == 1:
            keys.append(ord(part))
            continue
        raise InvalidArgument(f"Invalid detach keys ({spec}) provided")
    return bytes(keys)


class DetachScanner:
    """Finds the detach sequence in stdin, holding back a partial match until it resolves."""

    def __init__(self, keys: bytes):
        self._keys, self._held = keys, b""

    def feed(self, data: bytes) -> tuple[bytes, bool]:
        """(bytes to pass on, whether the sequence was completed)."""
        out = bytearray()
        for byte in data:
            candidate = self._held + bytes([byte])
            if self._keys.startswith(candidate):
                self._held = candidate
                if candidate == self._keys:
                    return bytes(out), True
            else:
                out += candidate
                self._held = b""
        return bytes(out), False


async def bridge(client: ClientStream, session: ProcessSession, *, tty: bool, stdin: bool,
                 close_stdin_on_eof: bool, detach_keys: bytes | None, framed: bool | None = None) -> None:
    """Copy both ways until the process exits, the client detaches, or stdin ends the session.
    Output is framed unless the process has a TTY, or as `framed` says (an exec's start request
    chooses, whatever its process has)."""
    framed = not tty if framed is None else framed
    if not stdin:                     # (no task: one hop of the loop fewer at the end)
        await _copy_output(client, session, framed)
        return
    output = asyncio.ensure_future(_copy_output(client, session, framed))
    feeder = asyncio.ensure_future(_copy_input(client, session, close_stdin_on_eof, detach_keys if tty else None))
    try:
        done, _ = await asyncio.wait({output, feeder}, return_when=asyncio.FIRST_COMPLETED)
        if feeder in done and feeder.result() == "stdin-closed":
            await output
    finally:
        for task in (output, feeder):
            task.cancel()
        await asyncio.gather(output, feeder, return_exceptions=True)
        session.close()


async def _copy_output(client: ClientStream, session: ProcessSession, framed: bool) -> None:
    async for stream, data in session:
        await client.write(frame(stream, data) if framed else data)


async def _copy_input(client: ClientStream, session: ProcessSession, close_stdin_on_eof: bool,
                      detach_keys: bytes | None) -> str:
    scanner = DetachScanner(detach_keys) if detach_keys else None
    while data := await client.read():
        if scanner:
            data, detached = scanner.feed(data)
            if detached:
                if data:
                    await session.write_stdin(data)
                return "detached"
        if data:
            try:
                await session.write_stdin(data)
            except ConnectionError:   # the process ended meanwhile: its output and exit still come
                return "stdin-closed"
    if close_stdin_on_eof:
        await session.close_stdin()
        return "stdin-closed"
    return "ended"
