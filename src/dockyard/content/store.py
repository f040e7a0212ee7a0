"""Blobs addressed by digest: `<root>/blobs/sha256/<hex>`.

Ingest writes a temp file under `<root>/ingest/` while hashing, checks the expected digest,
fsyncs and renames into place, so a blob is visible only once complete and verified. Writing a
blob that exists is a no-op.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from typing import BinaryIO, Iterable, Iterator

from dockyard.errors import InvalidArgument, NotFound
from dockyard.oci import digest as digests
from dockyard.wire.tar_stream import ByteReader

CHUNK = 1 << 20


class ContentStore:
    def __init__(self, root: str):
        self.root = root
        self.blob_dir = os.path.join(root, "blobs", "sha256")
        self.ingest_dir = os.path.join(root, "ingest")
        os.makedirs(self.blob_dir, exist_ok=True)
        os.makedirs(self.ingest_dir, exist_ok=True)

    def discard_partial_ingests(self) -> None:
        """Drop temp files a crash left behind (call at start, before any ingest)."""
        for name in os.listdir(self.ingest_dir):
            try:
                os.unlink(os.path.join(self.ingest_dir, name))
            except FileNotFoundError:
                pass

    def path(self, digest: str) -> str:
        return os.path.join(self.blob_dir, digests.hex_of(digest))

    def has(self, digest: str) -> bool:
        return os.path.exists(self.path(digest))

    def size(self, digest: str) -> int:
        try:
            return os.stat(self.path(digest)).st_size
        except FileNotFoundError:
            raise NotFound(f"content {digest}: not found") from None

    def write(self, data: bytes, expected: str | None = None) -> str:
        return self.ingest([data], expected)[0]

    def ingest_file(self, f: ByteReader, expected: str | None = None,
                    limit: int | None = None) -> tuple[str, int]:
        """Copy a file object (up to `limit` bytes) into the store."""
        return self.ingest(_read_chunks(f, limit), expected)

    def ingest(self, chunks: Iterable[bytes], expected: str | None = None) -> tuple[str, int]:
        """Store the concatenation of `chunks`; return (digest, size)."""
        if expected is not None and self.has(expected):
            for _ in chunks:  # the caller's stream must still be consumed
                pass
            return expected, self.size(expected)
        writer = self.writer()
        try:
            for chunk in chunks:
                writer.write(chunk)
            return writer.commit(expected)
        finally:
            writer.abort()

    def writer(self) -> "BlobWriter":
        return BlobWriter(self)

    def open(self, digest: str) -> BinaryIO:
        try:
            return open(self.path(digest), "rb")
        except FileNotFoundError:
            raise NotFound(f"content {digest}: not found") from None

    def read(self, digest: str, verify: bool = True) -> bytes:
        with self.open(digest) as f:
            data = f.read()
        if verify and digests.sha256_digest(data) != digest:
            raise InvalidArgument(f"content {digest}: digest mismatch on read")
        return data

    def verify(self, digest: str) -> bool:
        h = hashlib.sha256()
        with self.open(digest) as f:
            for chunk in _read_chunks(f, None):
                h.update(chunk)
        return f"sha256:{h.hexdigest()}" == digest

    def iter_chunks(self, digest: str) -> Iterator[bytes]:
        with self.open(digest) as f:
            yield from _read_chunks(f, None)

    def delete(self, digest: str) -> bool:
        try:
            os.unlink(self.path(digest))
            return True
        except FileNotFoundError:
            return False

    def digests(self) -> Iterator[str]:
        for name in os.listdir(self.blob_dir):
            yield "sha256:" + name


class BlobWriter:
    """An open ingest: write chunks, then commit (verify + rename) or abort."""

    def __init__(self, store: ContentStore):
        self.store = store
        fd, self.tmp_path = tempfile.mkstemp(dir=store.ingest_dir)
        self.file = os.fdopen(fd, "wb")
        self.hasher = hashlib.sha256()
        self.size = 0
        self.done = False

    def write(self, chunk: bytes | bytearray, /) -> None:
        self.file.write(chunk)
        self.hasher.update(chunk)
        self.size += len(chunk)

    @property
    def digest(self) -> str:
        """Of what was written so far."""
        return "sha256:" + self.hasher.hexdigest()

    def commit(self, expected: str | None = None) -> tuple[str, int]:
        digest = self.digest
        if expected is not None and digest != expected:
            raise InvalidArgument(f"digest mismatch: expected {expected}, got {digest}")
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        os.rename(self.tmp_path, self.store.path(digest))
        self.done = True
        return digest, self.size

    def abort(self) -> None:
        if self.done:
            return
        self.done = True
        self.file.close()
        try:
            os.unlink(self.tmp_path)
        except FileNotFoundError:
            pass


def _read_chunks(f: ByteReader, limit: int | None) -> Iterator[bytes]:
    remaining = limit
    while remaining is None or remaining > 0:
        chunk = f.read(CHUNK if remaining is None else min(CHUNK, remaining))
        if not chunk:
            break
        if remaining is not None:
            remaining -= len(chunk)
        yield chunk
