"""Reading json-file (and CRI-format) logs back (for `docker logs`): rotated files, tail, since/until, follow.

Blocking file I/O: call from a worker thread (asyncio.to_thread) in the daemon.
The files are `<path>.<N>` (oldest) ... `<path>.1`, `<path>` (newest), as RotatingFile writes.
"""

import calendar
import json
import os
from typing import BinaryIO, TypeGuard
from collections import namedtuple

LogEntry = namedtuple("LogEntry", "stream data time_ns")   # stream: "stdout" | "stderr"
_BLOCK = 64 * 1024


def parse_time(text: str) -> int:
    """RFC3339Nano (`2026-11-28T00:25:12.165029631Z`, any fraction length, or a +hh:mm offset) -> ns."""
    seconds = calendar.timegm((int(text[0:4]), int(text[5:7]), int(text[8:10]),
                               int(text[11:13]), int(text[14:16]), int(text[17:19]), 0, 0, 0))
    rest = text[19:]
    nanos = 0
    if rest.startswith("."):
        digits = len(rest) - len(rest[1:].lstrip("0123456789"))
        nanos = int((rest[1:digits] + "000000000")[:9])
        rest = rest[digits:]
    if rest[:1] in ("+", "-"):
        offset = int(rest[1:3]) * 3600 + int(rest[4:6]) * 60
        seconds -= offset if rest[0] == "+" else -offset
    return seconds * 1_000_000_000 + nanos


def parse_line(line: bytes) -> LogEntry | None:
    """A json-file entry, or a line of the CRI format (containers the kubelet made)."""
    if not line.startswith(b"{"):
        return _parse_cri_line(line)
    try:
        obj = json.loads(line)
        return LogEntry(obj["stream"], obj["log"].encode(), parse_time(obj["time"]))
    except (ValueError, KeyError, TypeError, AttributeError, IndexError):
        return None                                   # a torn last line, or garbage


def _parse_cri_line(line: bytes) -> LogEntry | None:
    """`<time> <stream> <F|P> <text>`: F ends the line, P is part of one."""
    parts = line.rstrip(b"\n").split(b" ", 3)
    if len(parts) < 3 or parts[1] not in (b"stdout", b"stderr") or parts[2] not in (b"F", b"P"):
        return None
    try:
        when = parse_time(parts[0].decode())
    except (ValueError, IndexError, UnicodeDecodeError):
        return None
    text = parts[3] if len(parts) == 4 else b""
    return LogEntry(parts[1].decode(), text + b"\n" if parts[2] == b"F" else text, when)


def log_files(path: str) -> list[str]:
    """Existing files of one log, oldest first."""
    rotated = []
    index = 1
    while os.path.exists(f"{path}.{index}"):
        rotated.append(f"{path}.{index}")
        index += 1
    return list(reversed(rotated)) + ([path] if os.path.exists(path) else [])


def _lines_backwards(file_path: str):
    with open(file_path, "rb") as log:
        end = log.seek(0, os.SEEK_END)
        tail = b""
        while end > 0:
            start = max(0, end - _BLOCK)
            log.seek(start)
            block = log.read(end - start) + tail
            lines = block.split(b"\n")
            tail = lines.pop(0) if start > 0 else b""
            yield from (line for line in reversed(lines) if line)
            end = start
        if tail:
            yield tail


def read_entries(path: str, *, tail: int | None = None, since_ns: int | None = None,
                 until_ns: int | None = None, streams=("stdout", "stderr")) -> list[LogEntry]:
    """Entries in order; `tail` keeps the last N (counted after the stream/time filters; None = all)."""
    def wanted(entry: LogEntry | None) -> TypeGuard[LogEntry]:
        return entry is not None and entry.stream in streams \
            and (since_ns is None or entry.time_ns >= since_ns) \
            and (until_ns is None or entry.time_ns <= until_ns)

    if tail is not None and tail >= 0:
        if tail == 0:
            return []
        picked = []
        for file_path in reversed(log_files(path)):
            for line in _lines_backwards(file_path):
                entry = parse_line(line)
                if wanted(entry):
                    picked.append(entry)
                    if len(picked) >= tail:
                        return list(reversed(picked))
        return list(reversed(picked))
    entries = []
    for file_path in log_files(path):
        with open(file_path, "rb") as log:
            entries += [e for e in map(parse_line, log) if wanted(e)]
    return entries


class LogFollower:
    """New entries of a live log, across rotations: call `read_new()` whenever (e.g. every 0.1 s)."""

    def __init__(self, path: str, *, from_end: bool = True):
        self.path = path
        self._file: BinaryIO | None = None
        self._partial = b""
        self._open(seek_end=from_end)

    def _open(self, seek_end: bool) -> None:
        try:
            self._file = open(self.path, "rb")
        except FileNotFoundError:
            self._file = None
            return
        if seek_end:
            self._file.seek(0, os.SEEK_END)

    def read_new(self) -> list[LogEntry]:
        if self._file is None:
            self._open(seek_end=False)
        file = self._file
        if file is None:
            return []
        entries = self._drain(file)
        if self._rotated(file):
            entries += self._drain(file)              # the rest of the old file, then the new one
            file.close()
            self._partial = b""
            self._open(seek_end=False)
            if self._file is not None:
                entries += self._drain(self._file)
        return entries

    def _drain(self, file: BinaryIO) -> list[LogEntry]:
        data = self._partial + file.read()
        lines = data.split(b"\n")
        self._partial = lines.pop()
        return [e for e in map(parse_line, lines) if e is not None]

    def _rotated(self, file: BinaryIO) -> bool:
        try:
            current = os.stat(self.path)
        except FileNotFoundError:
            return False
        mine = os.fstat(file.fileno())
        return (current.st_ino, current.st_dev) != (mine.st_ino, mine.st_dev) or current.st_size < file.tell()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
