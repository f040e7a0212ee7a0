"""A layer tar kept as its unpacked files plus everything else of the archive (a "tar split",
as dockerd keeps one per layer): headers, padding, end blocks and trailing bytes verbatim,
and for each regular file's contents the file in the layer that holds them. The tar is rebuilt
byte for byte from the two, so a layer needs no second copy of its contents on disk.

The recorder follows an extraction: the tar reader hands it the bytes it keeps, the extractor
names each file it wrote. A file or directory holding recorded contents that a later entry of
the same archive replaces or whites out is not deleted but moved aside (`displace`): its
contents are still part of the archive.

File format: a header (the tar's size, the offset of the path table: 8 bytes each, big-endian),
a zlib stream of records (`B` + 4-byte length + bytes kept verbatim; `F` + 8-byte size + 4-byte
number of the file that holds the next `size` bytes), then the path table: a zlib stream of
the files' paths relative to the layer's directory, NUL-separated, in the order of their
numbers. The table comes last because a later entry may move a file aside; the records are
written as the archive streams by, so memory holds no more than the paths."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from typing import BinaryIO

from dockyard.errors import InvalidArgument

_HEADER = struct.Struct(">QQ")
_BYTES = struct.Struct(">cI")
_FILE = struct.Struct(">cQI")
_FLUSH = 1 << 20            # records are compressed and written about this much at a time


class _Dir:
    """A directory holding recorded files; moved aside with everything in it by one change."""

    __slots__ = ("children", "files", "name", "parent")

    def __init__(self, parent: "_Dir | None", name: str):
        self.parent, self.name = parent, name
        self.children: dict[str, _Dir] = {}
        self.files: set[str] = set()

    def path(self) -> str:
        names: list[str] = []
        node: _Dir | None = self
        while node is not None:
            names.append(node.name)
            node = node.parent
        return "/".join(reversed(names))


class Recorder:
    """Writes one archive's split to `out` (a seekable file) as the archive streams by; `tree`
    and `side` name, relative to the layer's directory, where the extractor unpacks and where
    it moves displaced entries. `finish` completes the file.

    A file is recorded as [its directory's path in the tree, its name]; the index of which
    paths hold recorded files (a tree of `_Dir`s) is built only when the extractor first asks
    (`holds`, before it removes anything): most layers never remove an entry of their own."""

    def __init__(self, out: BinaryIO, tree: str, side: str):
        self._out = out
        self._packer = zlib.compressobj(1)
        self._pending = bytearray()                 # kept bytes since the last file
        self._records = bytearray()                 # records not compressed yet
        self._numbered: list[list] = []             # [directory path or _Dir, name], by number
        self._tree = tree
        self._side = _Dir(None, side)
        self._dirs: dict[str, _Dir] | None = None   # the index: tree path → its directory
        self._files: dict[str, list] = {}           # and tree path → the file recorded there
        self._displaced = 0
        self.size = 0
        out.write(_HEADER.pack(0, 0))

    def keep(self, data: bytes) -> None:
        self._pending += data
        self.size += len(data)
        if len(self._pending) >= _FLUSH:        # memory stays bounded, whatever the archive
            self._close_kept()
            self._write_records()

    def file(self, directory: str, name: str, size: int) -> None:
        """The next `size` bytes of the archive are the contents of file `name` in `directory`
        (a path in the tree with no symlink on the way, "" for its top)."""
        self._close_kept()
        self._records += _FILE.pack(b"F", size, len(self._numbered))
        entry = [directory, name]
        self._numbered.append(entry)
        if self._dirs is not None:
            self._index(entry)
        self.size += size
        if len(self._records) >= _FLUSH:
            self._write_records()

    def holds(self, path: str) -> bool:
        """Whether the file or directory at `path` holds recorded contents."""
        if self._dirs is None:
            self._dirs = {"": _Dir(None, self._tree)}
            for entry in self._numbered:
                self._index(entry)
        return path in self._files or (path != "" and path in self._dirs)

    def displace(self, path: str) -> str:
        """Record that what is at `path` (which `holds`) moves aside; returns its new name in
        the side directory."""
        assert self._dirs is not None
        self._displaced += 1
        name = str(self._displaced)
        found = self._files.pop(path, None)
        if found is not None:
            found[0].files.discard(found[1])
            found[0], found[1] = self._side, name
            return name
        directory = self._dirs[path]
        parent = directory.parent
        assert parent is not None
        del parent.children[directory.name]
        directory.parent, directory.name = self._side, name
        stack = [(path, directory)]
        while stack:                    # all below leaves the index, each entry once
            at, node = stack.pop()
            del self._dirs[at]
            for file_name in node.files:
                del self._files[f"{at}/{file_name}"]
            stack.extend((f"{at}/{child_name}", child) for child_name, child in node.children.items())
        return name

    def finish(self) -> None:
        self._close_kept()
        self._write_records()
        self._out.write(self._packer.flush())
        table_at = self._out.tell()
        paths = "\0".join(self._path(entry) for entry in self._numbered)
        self._out.write(zlib.compress(paths.encode("utf-8", "surrogateescape"), 1))
        self._out.seek(0)
        self._out.write(_HEADER.pack(self.size, table_at))

    def _path(self, entry: list) -> str:
        directory, name = entry
        if isinstance(directory, _Dir):
            return f"{directory.path()}/{name}"
        return f"{self._tree}/{directory}/{name}" if directory else f"{self._tree}/{name}"

    def _index(self, entry: list) -> None:
        assert self._dirs is not None
        directory = self._dirs.get(entry[0]) or self._dir(entry[0])
        path = f"{entry[0]}/{entry[1]}" if entry[0] else entry[1]
        directory.files.add(entry[1])
        self._files[path] = entry
        entry[0] = directory

    def _close_kept(self) -> None:
        """The bytes kept since the last file become one record."""
        if self._pending:
            self._records += _BYTES.pack(b"B", len(self._pending))
            self._records += self._pending
            self._pending.clear()

    def _write_records(self) -> None:
        """Records are compressed in batches (a call per file would cost more than the file)."""
        if self._records:
            self._out.write(self._packer.compress(self._records))
            self._records.clear()

    def _dir(self, path: str) -> _Dir:
        assert self._dirs is not None
        missing = []
        while path not in self._dirs:
            missing.append(path)
            path = path.rpartition("/")[0]
        found = self._dirs[path]
        for path in reversed(missing):
            name = path.rpartition("/")[2]
            child = self._dirs[path] = found.children[name] = _Dir(found, name)
            found = child
        return found


class Split:
    """A split file opened for rebuilding: the tar's size, the files' paths, the records."""

    def __init__(self, source: BinaryIO):
        self._source = source
        self.size, table_at = _header(source)
        source.seek(table_at)
        try:
            table = zlib.decompress(source.read())
        except zlib.error:
            raise InvalidArgument("tar split: corrupt path table") from None
        self.paths = table.decode("utf-8", "surrogateescape").split("\0") if table else []
        self._end = table_at

    @staticmethod
    def size_of(source: BinaryIO) -> int:
        return _header(source)[0]

    def records(self) -> Iterator[bytes | tuple[str, int]]:
        """Kept bytes, or (path, size) of a file's contents, in the archive's order."""
        self._source.seek(_HEADER.size)
        left = self._end - _HEADER.size
        unpacker = zlib.decompressobj()
        buffer, at = b"", 0
        while True:
            need = _need(buffer, at)
            if len(buffer) - at < need:
                if not left:
                    if at < len(buffer):
                        raise InvalidArgument("tar split: truncated")
                    return
                more = self._source.read(min(left, 1 << 16))
                if not more:
                    raise InvalidArgument("tar split: truncated")
                left -= len(more)
                try:
                    buffer = buffer[at:] + unpacker.decompress(more)
                except zlib.error:
                    raise InvalidArgument("tar split: corrupt records") from None
                at = 0
                continue
            if buffer[at:at + 1] == b"B":
                yield buffer[at + _BYTES.size:at + need]
            else:
                _, size, number = _FILE.unpack_from(buffer, at)
                if number >= len(self.paths):
                    raise InvalidArgument("tar split: unknown file")
                yield self.paths[number], size
            at += need


def _header(source: BinaryIO) -> tuple[int, int]:
    head = source.read(_HEADER.size)
    if len(head) != _HEADER.size:
        raise InvalidArgument("tar split: truncated")
    return _HEADER.unpack(head)


def _need(buffer: bytes, at: int) -> int:
    """How many bytes the record at `at` takes (at least a whole F record while unknown)."""
    if len(buffer) - at < _BYTES.size:
        return _FILE.size
    kind = buffer[at:at + 1]
    if kind == b"B":
        return _BYTES.size + _BYTES.unpack_from(buffer, at)[1]
    if kind == b"F":
        return _FILE.size
    raise InvalidArgument("tar split: unknown record")
