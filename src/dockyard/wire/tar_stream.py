"""Byte streams around tar archives: compression sniffing and hashing while reading."""

from __future__ import annotations

import bz2
import gzip
import hashlib
import lzma
import queue
import threading
import zlib
from typing import Any, BinaryIO, Protocol, cast

import zstandard
from isal import isal_zlib


GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
XZ_MAGIC = b"\xfd7zXZ\x00"
BZIP2_MAGIC = b"BZh"

# isal's stubs declare its error class an instance
_ISAL_ERROR = cast(type[Exception], isal_zlib.error)

# Errors a corrupt or truncated compressed stream can raise while being read.
STREAM_ERRORS = (EOFError, zlib.error, lzma.LZMAError, zstandard.ZstdError, gzip.BadGzipFile, OSError)


class ByteReader(Protocol):
    def read(self, n: int = -1, /) -> bytes: ...


class ByteSink(Protocol):
    """Where bytes go: a file, or the content store's writer (which hashes as it writes)."""

    def write(self, data: bytes | bytearray, /) -> object: ...


class DigestSink(ByteSink, Protocol):
    """A sink that hashes what it is given (the content store's writer): a layer copied to one
    needs no second sha256 pass of its own."""

    @property
    def digest(self) -> str: ...


class PeekReader:
    """A read-only stream that lets the first bytes be inspected before they are consumed."""

    def __init__(self, raw: ByteReader):
        self.raw = raw
        self.head = b""

    def peek(self, n: int) -> bytes:
        while len(self.head) < n:
            chunk = self.raw.read(n - len(self.head))
            if not chunk:
                break
            self.head += chunk
        return self.head[:n]

    def read(self, n: int = -1) -> bytes:
        if self.head:
            if n < 0:
                data, self.head = self.head + self.raw.read(), b""
                return data
            data, self.head = self.head[:n], self.head[n:]
            if len(data) < n:
                data += self.raw.read(n - len(data))
            return data
        return self.raw.read(n)


def compression_of(head: bytes) -> str:
    """`gzip`, `zstd`, `xz`, `bzip2` or `none` from a stream's first bytes."""
    if head.startswith(GZIP_MAGIC):
        return "gzip"
    if head.startswith(ZSTD_MAGIC):
        return "zstd"
    if head.startswith(XZ_MAGIC):
        return "xz"
    if head.startswith(BZIP2_MAGIC):
        return "bzip2"
    return "none"


def decompressed(raw: ByteReader) -> BinaryIO:
    """The uncompressed byte stream of `raw`, whichever compression it uses (gzip, zstd, xz,
    bzip2: what dockerd's DecompressStream reads, for layers, `load`, `import`, contexts, ADD).
    Every reader here offers `read(n)`, all that tarfile's stream mode and the ingesters use."""
    return cast(BinaryIO, _reader_of(PeekReader(raw)))


def _reader_of(reader: PeekReader) -> ByteReader:
    kind = compression_of(reader.peek(6))
    if kind == "gzip":
        return GzipReader(reader)
    source = cast(BinaryIO, reader)  # the decompressors below only read(n) their source
    if kind == "zstd":
        return zstandard.ZstdDecompressor().stream_reader(source, read_across_frames=True)
    if kind == "xz":
        return lzma.LZMAFile(source)
    if kind == "bzip2":
        return bz2.BZ2File(source)
    return reader


class GzipReader:
    """gzip (one or more members, zero padding allowed) inflated by ISA-L (2-3x zlib's speed,
    the same API), reading the source 1 MiB at a time — `gzip.GzipFile` reads 8 KiB at a time,
    which costs dearly when the source is a network stream. Each member's CRC and length are
    checked."""

    def __init__(self, raw: ByteReader, chunk: int = 1 << 20):
        self.raw, self.chunk = raw, chunk
        self.inflater: Any = None     # a zlib decompressor; None between members
        self.pending = b""            # input zlib has not consumed yet

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            return b"".join(iter(lambda: self.read(self.chunk), b""))
        while True:
            if self.inflater is None and not self._next_member():
                return b""
            if not self.pending:
                self.pending = self.raw.read(self.chunk)
                if not self.pending:
                    raise EOFError("compressed file ended before the end-of-stream marker was reached")
            try:
                data = self.inflater.decompress(self.pending, n)
            except _ISAL_ERROR as error:
                raise zlib.error(str(error)) from None
            if self.inflater.eof:
                self.pending, self.inflater = self.inflater.unused_data, None
            else:
                self.pending = self.inflater.unconsumed_tail
            if data:
                return data

    def _next_member(self) -> bool:
        while True:
            self.pending = self.pending.lstrip(b"\x00")
            if len(self.pending) >= len(GZIP_MAGIC):
                break
            more = self.raw.read(self.chunk)
            if not more:
                if self.pending:
                    raise gzip.BadGzipFile("not a gzipped file")
                return False
            self.pending += more
        if not self.pending.startswith(GZIP_MAGIC):
            raise gzip.BadGzipFile("not a gzipped file")
        self.inflater = isal_zlib.decompressobj(16 + zlib.MAX_WBITS)
        return True


class HashingReader:
    """Counts and sha256-hashes every byte read through it (the diff ID of a layer)."""

    def __init__(self, raw: ByteReader):
        self.raw = raw
        self.hasher = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        data = self.raw.read(n)
        self.hasher.update(data)
        self.size += len(data)
        return data

    def drain(self) -> None:
        """Read to the end so the digest covers the whole stream (tar padding included)."""
        while self.read(1 << 20):
            pass

    @property
    def digest(self) -> str:
        return "sha256:" + self.hasher.hexdigest()


class TeeReader:
    """Passes reads through and copies every byte to `sink.write`."""

    def __init__(self, raw: ByteReader, sink: ByteSink):
        self.raw = raw
        self.sink = sink

    def read(self, n: int = -1) -> bytes:
        data = self.raw.read(n)
        if data:
            self.sink.write(data)
        return data


class ReadAhead:
    """Reads `raw` in a thread of its own, up to `depth` chunks ahead of the consumer: the
    work behind `raw.read` (receiving, inflating, hashing, storing a copy) overlaps with what
    the consumer does with each chunk (unpacking files). `finish` reads on to the end of the
    stream (digests cover every byte) and re-raises the reader's error; `close` stops it."""

    _END = object()

    def __init__(self, raw: ByteReader, chunk: int = 1 << 20, depth: int = 8):
        self._queue: queue.Queue = queue.Queue(depth)
        self._stop = threading.Event()
        self._pending = memoryview(b"")
        self._done = False
        self._thread = threading.Thread(target=self._produce, args=(raw, chunk), name="read-ahead",
                                        daemon=True)
        self._thread.start()

    def _produce(self, raw: ByteReader, chunk: int) -> None:
        try:
            while not self._stop.is_set():
                data = raw.read(chunk)
                if not data:
                    break
                self._queue.put(data)
            self._queue.put(self._END)
        except BaseException as error:
            self._queue.put(error)

    def read(self, n: int = -1) -> bytes:
        if not self._pending:
            if self._done:
                return b""
            item = self._queue.get()
            if item is self._END:
                self._done = True
                return b""
            if isinstance(item, BaseException):
                self._done = True
                raise item
            self._pending = memoryview(item)
        if n is None or n < 0 or n >= len(self._pending):
            data, self._pending = self._pending, memoryview(b"")
        else:
            data, self._pending = self._pending[:n], self._pending[n:]
        return data.tobytes() if len(data) < 4096 else data   # type: ignore[return-value]

    def finish(self) -> None:
        while self.read(1 << 20):
            pass
        self._thread.join()

    def close(self) -> None:
        self._stop.set()
        while self._thread.is_alive():
            try:
                self._queue.get(timeout=0.1)
            except queue.Empty:
                pass
        self._thread.join()
