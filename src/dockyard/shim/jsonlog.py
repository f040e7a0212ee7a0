"""Docker's json-file log format: one `{"log","stream","time"}` object per line.

Lines are split as Docker's copier does: an entry ends at a newline, or is a
partial entry (no trailing newline in "log") when 16 KiB accumulate without one,
when the stream ends, or when the caller flushes an idle partial line.
"""

import json
import os
import time

from dockyard.shim.logopts import LogConfig

MAX_ENTRY = 16 * 1024
WRITEV_MAX = 1024                     # IOV_MAX
_escape = json.encoder.encode_basestring   # json.dumps(s, ensure_ascii=False) without its overhead
_ZEROS = bytes(MAX_ENTRY)             # zero-filled output (padding, sparse data, /dev/zero) is
                                      # common and the escaper's worst case: 6 bytes out per byte
# Bytes that go into a JSON string unescaped (printable ASCII but `"` and `\`), plus the
# newlines that separate the entries of a chunk being encoded.
# Tabs and carriage returns (TTY output ends lines with \r\n) take a cheap replace.
_PLAIN = bytes([0x09, 0x0A, 0x0D, 0x20, 0x21, *range(0x23, 0x5C), *range(0x5D, 0x7F)])


def format_time(time_ns: int) -> bytes:
    """Go's RFC3339Nano in UTC: trailing zeros of the fraction trimmed."""
    seconds, nanos = divmod(time_ns, 1_000_000_000)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
    fraction = f".{nanos:09d}".rstrip("0") if nanos else ""
    return f"{stamp}{fraction.rstrip('.')}Z".encode()


def encode_entry(log: bytes, stream: bytes, stamp: bytes) -> bytes:
    if not _ZEROS.startswith(log):
        text = _escape(log.decode("utf-8", "replace")).encode()
    else:                                 # zero-filled (padding, sparse data): no escaper needed
        text = b'"' + b"\\u0000" * len(log) + b'"'
    return b"".join((b'{"log":', text, b',"stream":"', stream, b'","time":"', stamp, b'"}\n'))


def encode_entries(entries: list[bytes], stream: bytes, stamp: bytes) -> list[bytes]:
    """Entries of one chunk (one stamp). Full zero-filled entries are encoded once and the
    same bytes listed again: each is 96 KiB of JSON, and a stream of NULs is made of them."""
    zeros_entry = None
    encoded = []
    for entry in entries:
        if entry == _ZEROS:
            if zeros_entry is None:
                zeros_entry = encode_entry(entry, stream, stamp)
            encoded.append(zeros_entry)
        else:
            encoded.append(encode_entry(entry, stream, stamp))
    return encoded


def encode_lines(lines: list[bytes], stream: bytes, stamp: bytes) -> bytes:
    """Encode whole lines (newline stripped), each shorter than MAX_ENTRY."""
    tail = b'\\n","stream":"' + stream + b'","time":"' + stamp + b'"}\n'
    head = b'{"log":"'
    return head + (tail + head).join(lines) + tail


def _is_plain(region: bytes) -> bool:
    return not region.translate(None, _PLAIN)


def split_entries(pending: bytes, data: bytes) -> tuple[list[bytes], bytes]:
    """Docker's copier: complete lines and full 16 KiB partials out, the rest kept."""
    buffer = pending + data
    entries = []
    start = 0
    while True:
        newline = buffer.find(b"\n", start, start + MAX_ENTRY)
        if newline >= 0:
            entries.append(buffer[start:newline + 1])
            start = newline + 1
        elif len(buffer) - start >= MAX_ENTRY:
            entries.append(buffer[start:start + MAX_ENTRY])
            start += MAX_ENTRY
        else:
            return entries, buffer[start:]


class RotatingFile:
    """An append-only file rotated to `.1`, `.2`, ... when it reaches max_size."""

    def __init__(self, path: str, config: LogConfig):
        self.path = path
        self.config = config
        self._fd = self._open()
        self.size = os.fstat(self._fd).st_size

    def _open(self) -> int:
        return os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o640)

    def write(self, data: bytes) -> None:
        """Whole lines: one entry or many."""
        cap = self.config.max_size
        if not cap or self.size + len(data) <= cap:
            self._write([data], len(data))
        else:
            self.write_entries(data.splitlines(keepends=True))

    def write_entries(self, entries: list[bytes]) -> None:
        """One line each; gathered into as few writev calls as rotation allows (no joining)."""
        cap = self.config.max_size
        batch: list[bytes] = []
        size = 0
        for entry in entries:
            filled = self.size + size
            if cap and (filled >= cap or (filled and filled + len(entry) > cap)):
                if batch:
                    self._write(batch, size)
                    batch, size = [], 0
                self.rotate()
            batch.append(entry)
            size += len(entry)
            if len(batch) == WRITEV_MAX:
                self._write(batch, size)
                batch, size = [], 0
        if batch:
            self._write(batch, size)

    def _write(self, buffers: list[bytes], size: int) -> None:
        written = os.writev(self._fd, buffers)
        if written < size:                    # a short write (a signal, a full disk): finish it
            view = memoryview(b"".join(buffers))[written:]
            while view:
                view = view[os.write(self._fd, view):]
        self.size += size

    def rotate(self) -> None:
        os.close(self._fd)
        keep = self.config.max_file
        if keep > 1:
            # The oldest goes first, so no rename replaces a file: ext4 flushes a file renamed
            # over another (auto_da_alloc), which would write out every rotated log at once.
            _unlink_if_present(f"{self.path}.{keep - 1}")
            for index in range(keep - 1, 0, -1):
                source = self.path if index == 1 else f"{self.path}.{index - 1}"
                if os.path.exists(source):
                    os.rename(source, f"{self.path}.{index}")
            self._fd = self._open()
        else:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_TRUNC | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o640)
        self.size = 0

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


class JsonLogWriter:
    """Encodes stream output into json-file entries and appends them to a RotatingFile."""

    def __init__(self, sink: RotatingFile):
        self.sink = sink
        self._pending: dict[bytes, bytes] = {}

    def write(self, stream: str, data: bytes, now_ns: int) -> None:
        key = stream.encode()
        buffer = self._pending.get(key, b"") + data
        end = buffer.rfind(b"\n") + 1
        if end:                               # fast path: plain lines below 16 KiB
            region = buffer[:end]
            lines = region.split(b"\n")
            lines.pop()
            if max(map(len, lines)) < MAX_ENTRY and _is_plain(region):
                if b"\r" in region or b"\t" in region:
                    lines = region.replace(b"\r", b"\\r").replace(b"\t", b"\\t").split(b"\n")
                    lines.pop()
                self.sink.write(encode_lines(lines, key, format_time(now_ns)))
                buffer = buffer[end:]
        entries, self._pending[key] = split_entries(b"", buffer)
        if entries:
            stamp = format_time(now_ns)
            self.sink.write_entries(encode_entries(entries, key, stamp))

    def flush_partial(self, stream: str, now_ns: int) -> None:
        """Write a held partial line as an entry without newline (idle output, EOF)."""
        key = stream.encode()
        rest = self._pending.pop(key, b"")
        if rest:
            self.sink.write(encode_entry(rest, key, format_time(now_ns)))

    def close(self, now_ns: int) -> None:
        for stream in list(self._pending):
            self.flush_partial(stream.decode(), now_ns)
        self.sink.close()


def _unlink_if_present(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
