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
    shown: str = ""  # the name in the prefix (compose v2: without the project, `web-1`)
    until: str | None = None

    @property
    def label(self) -> str:
        return self.shown or self.name


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
    """`err`: where a container's stderr goes (a foreground `up` keeps it apart; `logs` does not)."""

    def __init__(self, client: Client, out: TextIO = sys.stdout, timestamps: bool = False, prefix: bool = True,
                 err: TextIO | None = None):
        self.client, self.out, self.timestamps, self.prefix = client, out, timestamps, prefix
        self.err = err or out
        self.lock = threading.Lock()

    def write(self, text: str, to: TextIO | None = None) -> None:
        with self.lock:
            (to or self.out).write(text)
            (to or self.out).flush()

    def stream(self, sources: list[Source], follow: bool, on_exit=None) -> list[threading.Thread]:
        """One thread per container; `on_exit(name)` runs when a followed container's stream ends."""
        width = max((len(s.label) for s in sources), default=0)
        threads = []
        for source in sources:
            prefix = f"{source.label.ljust(width)}  | " if self.prefix else ""
            thread = threading.Thread(target=self._copy, args=(source, prefix, follow, on_exit), daemon=True)
            thread.start()
            threads.append(thread)
        return threads

    def _copy(self, source: Source, prefix: str, follow: bool, on_exit) -> None:
        out = LinePrefixer(prefix, self.write)
        err = LinePrefixer(prefix, lambda text: self.write(text, self.err))
        demux = None if source.tty else Demultiplexer()
        try:
            for chunk in api.logs(self.client, source.name, follow=follow, tail=source.tail,
                                  timestamps=self.timestamps, since=source.since, until=source.until):
                for stream, data in ([(1, chunk)] if demux is None else demux.feed(chunk)):
                    (err if stream == 2 else out).feed(data)
        except (DockyardError, OSError):
            pass  # the container went away while we read
        out.flush()
        err.flush()
        if on_exit is not None:
            on_exit(source.name)
