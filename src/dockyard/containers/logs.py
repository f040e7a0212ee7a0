"""Reading json-file logs: tail, since/until, stream selection, and follow (pure parsing + file I/O)."""

import asyncio
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import AsyncIterator, Callable, Iterator


@dataclass
class LogQuery:
    stdout: bool = True
    stderr: bool = True
    since_ns: int | None = None
    until_ns: int | None = None
    tail: int | None = None  # None = all
    timestamps: bool = False
    follow: bool = False


@dataclass
class LogEntry:
    stream: str
    data: bytes
    time_ns: int
    time_text: str


def log_files(log_path: Path) -> list[Path]:
    """Rotated files oldest first (`x.log.2`, `x.log.1`), then the live `x.log`."""
    rotated = sorted(log_path.parent.glob(log_path.name + ".*"), key=lambda p: -int(p.suffix[1:] or 0))
    return [p for p in rotated if p.suffix[1:].isdigit()] + ([log_path] if log_path.exists() else [])


def parse_line(line: bytes) -> LogEntry | None:
    try:
        record = json.loads(line)
        text = record["time"]
        return LogEntry(record.get("stream", "stdout"), record["log"].encode("utf-8", "surrogateescape"),
                        parse_rfc3339_ns(text), text)
    except (ValueError, KeyError, TypeError):
        return None  # a torn line at the end of a file being written


def parse_rfc3339_ns(text: str) -> int:
    base, _, fraction = text.rstrip("Z").partition(".")
    seconds = int(datetime.fromisoformat(base + "+00:00").timestamp())
    return seconds * 1_000_000_000 + int((fraction + "000000000")[:9])


def _wanted(entry: LogEntry, query: LogQuery) -> bool:
    if entry.stream == "stdout" and not query.stdout or entry.stream == "stderr" and not query.stderr:
        return False
    if query.since_ns is not None and entry.time_ns < query.since_ns:
        return False
    return query.until_ns is None or entry.time_ns <= query.until_ns


def read_existing(log_path: Path, query: LogQuery) -> tuple[list[LogEntry], int]:
    """Entries already written, and the byte offset in the live file where following resumes."""
    entries: list[LogEntry] = []
    offset = 0
    for path in log_files(log_path):
        with open(path, "rb") as f:
            data = f.read()
        complete = data[: data.rfind(b"\n") + 1]
        if path == log_path:
            offset = len(complete)
        entries.extend(e for e in map(parse_line, complete.splitlines()) if e and _wanted(e, query))
    if query.tail is not None:
        entries = entries[-query.tail:] if query.tail > 0 else []
    return entries, offset


async def follow(log_path: Path, offset: int, query: LogQuery, running: Callable[[], bool],
                 interval: float = 0.05) -> AsyncIterator[LogEntry]:
    """New entries as they are written, until the container stops and the file is drained."""
    pending = b""
    while True:
        alive = running()
        chunk, offset, rotated = _read_from(log_path, offset)
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for entry in map(parse_line, lines):
            if entry and _wanted(entry, query):
                yield entry
        if not alive and not chunk and not rotated:
            return
        if not chunk:
            await asyncio.sleep(interval)


def _read_from(path: Path, offset: int) -> tuple[bytes, int, bool]:
    try:
        with open(path, "rb") as f:
            size = f.seek(0, 2)
            if size < offset:  # rotated under us: start the new file from its beginning
                return b"", 0, True
            f.seek(offset)
            data = f.read(1 << 20)
            return data, offset + len(data), False
    except FileNotFoundError:
        return b"", 0, False


def render(entries: Iterator[LogEntry], query: LogQuery) -> Iterator[tuple[int, bytes]]:
    for entry in entries:
        prefix = (entry.time_text + " ").encode() if query.timestamps else b""
        yield (1 if entry.stream == "stdout" else 2), prefix + entry.data
