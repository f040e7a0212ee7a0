"""A layer's tar rebuilt from its tar split and its files, read like the file it once was.

The files are opened beneath the layer's directory with no symlink on the way (the split
names them as the kernel did when they were written), each must still hold exactly the
contents recorded, and the whole is hashed as it is read: a rebuilt tar that does not match
its diff ID fails at its end, before a reader can take it for complete."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Generator, Iterator

from dockyard.confined.paths import open_in_root
from dockyard.errors import InvalidArgument
from dockyard.syscalls import constants as c
from dockyard.syscalls.openat2 import available, openat2
from dockyard.wire.tar_reader import Contents
from dockyard.wire.tar_split import Split

SPLIT = "tar-split"            # in a layer's directory, beside its `fs`
_BENEATH = c.RESOLVE_BENEATH | c.RESOLVE_NO_SYMLINKS | c.RESOLVE_NO_MAGICLINKS
_CHUNK = 1 << 20


class RebuiltTar:
    def __init__(self, layer_dir: str, diff_id: str):
        self.diff_id = diff_id
        self._dir_fd = os.open(layer_dir, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            self._split_file = open(os.path.join(layer_dir, SPLIT), "rb")
        except BaseException:
            os.close(self._dir_fd)
            raise
        split = Split(self._split_file)
        self.size = split.size
        self._pieces = self._rebuild(split)
        self._reader = Contents(self._pieces)
        self._read = 0

    @staticmethod
    def size_of(layer_dir: str) -> int:
        with open(os.path.join(layer_dir, SPLIT), "rb") as source:
            return Split.size_of(source)

    def read(self, n: int = -1) -> bytes:
        """Up to `n` bytes (all that is left for n < 0); fewer only at the end."""
        data = self._reader.read(n)
        self._read += len(data)
        if self._read == self.size and self._reader.read(1):   # runs the check at the end too,
            raise InvalidArgument(f"layer {self.diff_id}: its split is longer than its size")
        return data                                         # for a reader that stops here

    def close(self) -> None:
        if self._dir_fd >= 0:
            self._pieces.close()
            self._split_file.close()
            os.close(self._dir_fd)
            self._dir_fd = -1

    def __enter__(self) -> "RebuiltTar":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _rebuild(self, split: Split) -> Generator[bytes, None, None]:
        hasher = hashlib.sha256()
        for record in split.records():
            if isinstance(record, bytes):
                hasher.update(record)
                yield record
                continue
            path, size = record
            for chunk in self._contents(path, size):
                hasher.update(chunk)
                yield chunk
        if "sha256:" + hasher.hexdigest() != self.diff_id:
            raise InvalidArgument(f"layer {self.diff_id}: its files no longer rebuild its tar")

    def _contents(self, path: str, size: int) -> Iterator[bytes]:
        fd = self._open(path)
        try:
            if os.fstat(fd).st_size != size:
                raise InvalidArgument(f"layer {self.diff_id}: {path} changed since it was unpacked")
            left = size
            while left:
                chunk = os.read(fd, min(left, _CHUNK))
                if not chunk:
                    raise InvalidArgument(f"layer {self.diff_id}: {path} changed since it was unpacked")
                left -= len(chunk)
                yield chunk
        finally:
            os.close(fd)

    def _open(self, path: str) -> int:
        flags = os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW
        try:
            if available():
                return openat2(self._dir_fd, path, flags, 0, _BENEATH)
            return open_in_root(self._dir_fd, path, flags)
        except OSError as error:
            raise InvalidArgument(f"layer {self.diff_id}: {path}: {error.strerror}") from None
