"""Progress lines of image transfers (load, pull, push), in dockerd's JSON-message shape."""

from __future__ import annotations

import time
from typing import BinaryIO, Callable

Progress = Callable[[dict], None]


def status(text: str, row: str) -> dict:
    """A step without a bar: `Pulling fs layer`, `Pushed`, `Already exists`…"""
    return {"status": text, "progressDetail": {}, "id": row}


def progress_message(status: str, row: str, current: int, total: int) -> dict:
    width = 50
    filled = min(width, int(width * current / total)) if total else width
    bar = "[" + "=" * filled + ">" + " " * (width - filled) + "]"
    return {"status": status, "progressDetail": {"current": current, "total": total},
            "progress": f"{bar} {_human(current)}/{_human(total)}", "id": row}


def _human(n: int) -> str:
    if n < 1000:
        return f"{n}B"
    scaled = n / 1000
    for unit in ("kB", "MB"):
        if scaled < 1000:
            return f"{scaled:.4g}{unit}"
        scaled /= 1000
    return f"{scaled:.4g}GB"


class Meter:
    """Reports `status` progress for a row at most every `interval` seconds, and at the end."""

    def __init__(self, report: Progress | None, status: str, row: str, total: int, interval: float = 0.1):
        self.report, self.status, self.row, self.total = report, status, row, total
        self.interval = interval
        self.done = 0
        self.last: float | None = None  # the first chunk is reported whatever the clock reads

    def add(self, n: int) -> None:
        self.done += n
        if self.report is None:
            return
        now = time.monotonic()
        if self.last is None or now - self.last >= self.interval or self.done == self.total:
            self.last = now
            self.report(progress_message(self.status, self.row, self.done, self.total))


class MeteredReader:
    """A file object that feeds a Meter as it is read."""

    def __init__(self, raw: BinaryIO, meter: Meter):
        self.raw, self.meter = raw, meter

    def read(self, n: int = -1) -> bytes:
        data = self.raw.read(n)
        self.meter.add(len(data))
        return data
