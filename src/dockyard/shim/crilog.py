"""The kubelet's container log format (CRI): `<RFC3339Nano> <stdout|stderr> <F|P> <text>` a line.

`F` ends a line, `P` is part of one (split at 16 KiB, as containerd splits, or flushed while
the container is idle). The file is the path the kubelet gives; it rotates the log itself by
renaming the file and asking for it to be reopened (`reopen`)."""

import os

from dockyard.shim.jsonlog import format_time, split_entries

FULL, PARTIAL = b"F", b"P"


def encode(stream: bytes, tag: bytes, stamp: bytes, text: bytes) -> bytes:
    return b"%s %s %s %s\n" % (stamp, stream, tag, text)


class CriLogWriter:
    """Same interface as jsonlog.JsonLogWriter, used by the shim's log thread."""

    def __init__(self, path: str):
        self.path = path
        self._fd = self._open()
        self._pending: dict[bytes, bytes] = {}

    @property
    def sink(self) -> "CriLogWriter":     # BackgroundLog.abandon closes the sink
        return self

    def _open(self) -> int:
        return os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o640)

    def write(self, stream: str, data: bytes, now_ns: int) -> None:
        key = stream.encode()
        entries, self._pending[key] = split_entries(self._pending.get(key, b""), data)
        if entries:
            stamp = format_time(now_ns)
            self._append([encode(key, FULL, stamp, e[:-1]) if e.endswith(b"\n") else encode(key, PARTIAL, stamp, e)
                          for e in entries])

    def flush_partial(self, stream: str, now_ns: int) -> None:
        key = stream.encode()
        rest = self._pending.pop(key, b"")
        if rest:
            self._append([encode(key, PARTIAL, format_time(now_ns), rest)])

    def reopen(self) -> None:
        """The kubelet moved the file aside: write to a new one at the path."""
        self.close()
        self._fd = self._open()

    def close(self, now_ns: int | None = None) -> None:
        if now_ns is not None:
            for key, rest in list(self._pending.items()):
                if rest:
                    self._append([encode(key, FULL, format_time(now_ns), rest)])
            self._pending.clear()
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def _append(self, lines: list[bytes]) -> None:
        data = b"".join(lines)
        view = memoryview(data)
        while view:
            view = view[os.write(self._fd, view):]
