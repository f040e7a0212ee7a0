"""Several containers' logs on one terminal, each line prefixed with its container's name."""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass
from typing import TextIO

from dockyard.client import Client
from dockyard.client import containers as api
from dockyard.errors import DockyardError
from dockyard.wire.stdcopy import Demultiplexer


@dataclass(frozen=True)
class Source:
    name: str
    tty: bool
    tail: str = "all"
    since: str | None = None  # unix seconds: only what was written from then on


class LinePrefixer:
    """Bytes of one stream → whole lines, each written as `<name>  | <line>`."""

    def __init__(self, prefix: str, write):
        self.prefix, self.write = prefix, write
        self.pending = b""

    def feed(self, data: bytes) -> None:
        self.pending += data
        *lines, self.pending = self.pending.split(b"\n")
        for line in lines:
            self.write(self.prefix + line.decode(errors="replace").rstrip("\r") + "\n")

    def flush(self) -> None:
        if self.pending:
            self.feed(b"\n")


class LogPrinter:
    def __init__(self, client: Client, out: TextIO = sys.stdout, timestamps: bool = False, prefix: bool = True):
        self.client, self.out, self.timestamps, self.prefix = client, out, timestamps, prefix
        self.lock = threading.Lock()

    def write(self, text: str) -> None:
        with self.lock:
            self.out.write(text)
            self.out.flush()

    def stream(self, sources: list[Source], follow: bool, on_exit=None) -> list[threading.Thread]:
        """One thread per container; `on_exit(name)` runs when a followed container's stream ends."""
        width = max((len(s.name) for s in sources), default=0)
        threads = []
        for source in sources:
            prefix = f"{source.name.ljust(width)}  | " if self.prefix else ""
            thread = threading.Thread(target=self._copy, args=(source, prefix, follow, on_exit), daemon=True)
            thread.start()
            threads.append(thread)
        return threads

    def _copy(self, source: Source, prefix: str, follow: bool, on_exit) -> None:
        lines = LinePrefixer(prefix, self.write)
        demux = None if source.tty else Demultiplexer()
        try:
            for chunk in api.logs(self.client, source.name, follow=follow, tail=source.tail,
                                  timestamps=self.timestamps, since=source.since):
                for data in ([chunk] if demux is None else [p for _, p in demux.feed(chunk)]):
                    lines.feed(data)
        except (DockyardError, OSError):
            pass  # the container went away while we read
        lines.flush()
        if on_exit is not None:
            on_exit(source.name)
