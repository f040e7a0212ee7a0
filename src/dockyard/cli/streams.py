"""The terminal side of attach, exec and logs: stdcopy demultiplexing, raw TTY passthrough, stdin
pumping with half-close, detach keys and window-size tracking."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
import termios
import threading
import tty
from typing import Callable, Iterable

from dockyard.errors import InternalError, InvalidArgument
from dockyard.wire.stdcopy import STDERR, STDOUT, SYSTEM_ERROR, Demultiplexer

CHUNK = 1 << 16
DEFAULT_DETACH_KEYS = "ctrl-p,ctrl-q"


def parse_detach_keys(spec: str) -> bytes:
    """`ctrl-p,ctrl-q` → b"\\x10\\x11", as Docker reads `--detach-keys`."""
    keys = bytearray()
    for key in spec.split(","):
        key = key.strip()
        if len(key) == 1:
            keys.append(ord(key))
        elif key.startswith("ctrl-") and len(key) == 6 and (key[5].isalpha() or key[5] in "@[\\]^_"):
            keys.append(ord(key[5].upper()) & 0x1F)
        else:
            raise InvalidArgument(f"Unknown character: '{key}'")
    return bytes(keys)


class DetachMatcher:
    """Finds the detach sequence in stdin; bytes that may start it are held back until decided."""

    def __init__(self, keys: bytes):
        self.keys = keys
        self._held = b""

    def feed(self, data: bytes) -> tuple[bytes, bool]:
        """(bytes to forward, whether the sequence was typed)."""
        out = bytearray()
        for byte in data:
            candidate = self._held + bytes([byte])
            if self.keys.startswith(candidate):
                if candidate == self.keys:
                    return bytes(out), True
                self._held = candidate
                continue
            out += self._held
            self._held = b""
            if self.keys[:1] == bytes([byte]):
                self._held = bytes([byte])
            else:
                out.append(byte)
        return bytes(out), False


def copy_output(sock: socket.socket, leftover: bytes, tty_mode: bool) -> None:
    """Write the session's output to our stdout/stderr until the daemon closes the stream."""
    write = _raw_writer() if tty_mode else _demux_writer()
    if leftover:
        write(leftover)
    while True:
        try:
            data = sock.recv(CHUNK)
        except ConnectionResetError:
            return
        if not data:
            return
        write(data)


def write_log_chunks(chunks: Iterable[bytes], tty_mode: bool) -> None:
    write = _raw_writer() if tty_mode else _demux_writer()
    for chunk in chunks:
        write(chunk)


def _raw_writer() -> Callable[[bytes], None]:
    out = sys.stdout.buffer

    def write(data: bytes) -> None:
        out.write(data)
        out.flush()
    return write


def _demux_writer() -> Callable[[bytes], None]:
    demux = Demultiplexer()
    outputs = {STDOUT: sys.stdout.buffer, STDERR: sys.stderr.buffer}

    def write(data: bytes) -> None:
        for stream, payload in demux.feed(data):
            if stream == SYSTEM_ERROR:
                raise InternalError(f"error from daemon in stream: {payload.decode(errors='replace')}")
            target = outputs.get(stream, sys.stdout.buffer)
            target.write(payload)
            target.flush()
    return write


class StdinPump:
    """Copies our stdin into the session on a thread; half-closes at EOF or on the detach keys."""

    def __init__(self, sock: socket.socket, detach_keys: bytes | None):
        self.sock = sock
        self.matcher = DetachMatcher(detach_keys) if detach_keys else None
        self.detached = False
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> "StdinPump":
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            while data := os.read(0, CHUNK):
                if self.matcher:
                    data, self.detached = self.matcher.feed(data)
                if data:
                    self.sock.sendall(data)
                if self.detached:
                    break
        except OSError:
            pass
        half_close(self.sock)


def half_close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_WR)


@contextlib.contextmanager
def raw_terminal(enabled: bool):
    """Our terminal in raw mode for a TTY session (keys go to the container, not to us)."""
    if not enabled or not os.isatty(0):
        yield
        return
    saved = termios.tcgetattr(0)
    tty.setraw(0)
    try:
        yield
    finally:
        termios.tcsetattr(0, termios.TCSADRAIN, saved)


def terminal_size() -> tuple[int, int] | None:
    """(rows, columns) of our terminal, or None when not on one."""
    for fd in (1, 0, 2):
        with contextlib.suppress(OSError):
            size = os.get_terminal_size(fd)
            return size.lines, size.columns
    return None


@contextlib.contextmanager
def follow_resizes(resize: Callable[[int, int], None]):
    """Send our terminal size now and on every SIGWINCH."""
    def send(*_):
        size = terminal_size()
        if size:
            with contextlib.suppress(Exception):
                resize(*size)
    send()
    previous = signal.signal(signal.SIGWINCH, send)
    try:
        yield
    finally:
        signal.signal(signal.SIGWINCH, previous)
