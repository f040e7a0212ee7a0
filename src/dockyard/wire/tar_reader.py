"""A tar reader made for unpacking: headers parsed straight from a large read buffer, file
contents handed out as views of it, without objects beyond what extraction needs.

`tarfile` costs ~33 µs of Python per entry (10,000-entry layers: a third of a second before any
file is written); this reader ~5 µs. It reads what image layers use — ustar, pax (`x`, `g`:
path, linkpath, size, uid, gid, mtime, SCHILY.xattr.*), GNU long names (`L`, `K`), old V7
headers — and refuses sparse and multi-volume entries, which no image tool writes. Header
checksums are verified, so garbage is never taken for an archive."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from dockyard.errors import InvalidArgument

if TYPE_CHECKING:
    from dockyard.wire.tar_stream import ByteReader

BLOCK = 512
READ_SIZE = 1 << 20
XATTR_PREFIX = "SCHILY.xattr."
REGULAR, HARDLINK, SYMLINK, CHAR, BLOCKDEV, DIRECTORY, FIFO = "0", "1", "2", "3", "4", "5", "6"
_TYPES = {b"0": REGULAR, b"\0": REGULAR, b"7": REGULAR, b"1": HARDLINK, b"2": SYMLINK,
          b"3": CHAR, b"4": BLOCKDEV, b"5": DIRECTORY, b"6": FIFO, b"D": DIRECTORY}
_POSIX_MAGIC = b"ustar\x0000"


class TarError(InvalidArgument):
    def __init__(self, message: str):
        super().__init__(f"invalid tar archive: {message}")


class Entry:
    __slots__ = (
        "gid",
        "linkname",
        "mode",
        "mtime",
        "name",
        "offset",
        "size",
        "type",
        "uid",
        "xattrs",
    )

    def __init__(self, name: str, type_: str, mode: int, uid: int, gid: int, size: int,
                 mtime: int, linkname: str, xattrs: dict[str, bytes] | None, offset: int):
        self.name, self.type, self.mode, self.uid, self.gid = name, type_, mode, uid, gid
        self.size, self.mtime, self.linkname, self.xattrs = size, mtime, linkname, xattrs
        self.offset = offset        # of the contents, from the start of the archive


class TarReader:
    """Iterate entries; read each regular file's contents with `chunks(entry)` (or not: what is
    not read is skipped). A stream that ends right after an entry's contents, without padding
    or end blocks, ends there, as Go's reader takes it (the docker CLI sends build contexts
    like that); contents cut short fail. `keep` (a tar split's recorder) is handed every byte of
    the archive in order except the contents the caller read or skipped: headers, extended
    headers, padding, contents nobody read, the end blocks and whatever follows them."""

    def __init__(self, source: ByteReader, read_size: int = READ_SIZE,
                 seek: Callable[[int, int], int] | None = None,
                 keep: Callable[[bytes], None] | None = None):
        self._read = source.read
        self._seek = seek                # skips contents nobody reads, where the source seeks
        self._keep = keep                # gets every byte but the contents the caller takes
        self._read_size = read_size
        self._buf = memoryview(b"")
        self._pos = 0
        self._consumed = 0           # bytes of the archive before _buf
        self._data_left = 0          # contents of the current entry not read yet
        self._pad_left = 0           # and the padding after them
        self._global: dict[str, str] = {}

    # ---- buffer ------------------------------------------------------------------------------

    def _fill(self, need: int) -> bool:
        """At least `need` bytes buffered from _pos; False at end of stream."""
        while len(self._buf) - self._pos < need:
            more = self._read(max(self._read_size, need))
            if not more:
                return False
            rest = self._buf[self._pos:]
            self._consumed += self._pos
            self._buf = memoryview(bytes(rest) + more if len(rest) else more)
            self._pos = 0
        return True

    def _skip(self, count: int, kept: bool = True) -> bool:
        """Pass over `count` bytes (to `keep`, if any and `kept`); False when the stream ended
        first."""
        while count:
            if self._pos == len(self._buf) and not self._fill(1):
                return False
            step = min(count, len(self._buf) - self._pos)
            if kept and self._keep is not None:
                self._keep(bytes(self._buf[self._pos:self._pos + step]))
            self._pos += step
            count -= step
        return True

    def _keep_rest(self) -> None:
        """What follows the end blocks goes to `keep` too: a tar split rebuilds every byte."""
        if self._keep is None:
            return
        while self._pos < len(self._buf) or self._fill(1):
            self._keep(bytes(self._buf[self._pos:]))
            self._pos = len(self._buf)

    @property
    def position(self) -> int:
        return self._consumed + self._pos

    # ---- entries -----------------------------------------------------------------------------

    def __iter__(self) -> Iterator[Entry]:
        while True:
            if self._data_left and not self._skip(self._data_left):
                raise TarError("unexpected end of data")
            self._data_left = 0
            padding, self._pad_left = self._pad_left, 0
            if padding and not self._skip(padding):
                return              # contents whole, padding missing: the end
            entry = self._next()
            if entry is None:
                self._keep_rest()
                return
            yield entry

    def chunks(self, entry: Entry) -> Iterator[memoryview]:
        """The contents of the entry just returned, as views valid until the next call."""
        while self._data_left:
            if self._pos == len(self._buf) and not self._fill(1):
                raise TarError(f"unexpected end of data in {entry.name!r}")
            end = min(len(self._buf), self._pos + self._data_left)
            view = self._buf[self._pos:end]
            self._data_left -= end - self._pos
            self._pos = end
            yield view

    def contents(self, entry: Entry) -> "Contents":
        """The contents of the entry just returned as a file object (`read(n)`), until the next."""
        return Contents(self.chunks(entry))

    def skip_contents(self, entry: Entry) -> None:
        """Skip the contents of the entry (a caller that copies them from `entry.offset`; they
        count as taken)."""
        left, self._data_left = self._data_left, 0
        buffered = len(self._buf) - self._pos
        if self._seek is not None and left > buffered:
            self._consumed += len(self._buf) + left - buffered
            self._buf, self._pos = memoryview(b""), 0
            self._seek(left - buffered, 1)      # the caller checked that the contents are there
        elif left and not self._skip(left, kept=False):
            raise TarError(f"unexpected end of data in {entry.name!r}")

    def _next(self) -> Entry | None:
        pax: dict[str, str] = {}
        long_name = long_link = None
        while True:
            if not self._fill(BLOCK):
                if len(self._buf) - self._pos:
                    raise TarError("truncated header")
                return None
            header = bytes(self._buf[self._pos:self._pos + BLOCK])
            start = self.position
            self._pos += BLOCK
            if self._keep is not None:
                self._keep(header)
            if header == _ZEROS:
                return None
            _check(header)
            kind = bytes(header[156:157])
            size = _number(header[124:136])
            if kind in (b"x", b"g", b"L", b"K"):
                data = self._contents(size)
                if kind == b"x":
                    pax.update(_pax_records(data))
                elif kind == b"g":
                    self._global.update(_pax_records(data))
                elif kind == b"L":
                    long_name = _text(data.split(b"\0", 1)[0])
                else:
                    long_link = _text(data.split(b"\0", 1)[0])
                continue
            return self._entry(header, kind, size, start, long_name, long_link,
                               {**self._global, **pax} if self._global else pax)

    def _contents(self, size: int) -> bytes:
        if size > 1 << 24:
            raise TarError("extended header larger than 16 MiB")
        if not self._fill(size):
            raise TarError("unexpected end of data in an extended header")
        data = bytes(self._buf[self._pos:self._pos + size])
        self._pos += size
        if self._keep is not None:
            self._keep(data)
        if not self._skip(-size % BLOCK):
            raise TarError("unexpected end of data in an extended header")
        return data

    def _entry(self, header: bytes, kind: bytes, size: int, start: int, long_name: str | None,
               long_link: str | None, pax: dict[str, str]) -> Entry:
        type_ = _TYPES.get(kind)
        if type_ is None:
            if kind in (b"S", b"M", b"V"):
                raise TarError(f"unsupported entry type {kind.decode(errors='replace')!r} "
                               "(sparse or multi-volume)")
            type_ = kind.decode("latin-1")
        name = long_name
        if name is None:
            name = _text(_field(header[0:100]))
            if header[257:265] == _POSIX_MAGIC:
                prefix = _field(header[345:500])
                if prefix:
                    name = _text(prefix) + "/" + name
        linkname = long_link if long_link is not None else _text(_field(header[157:257]))
        mode, uid, gid = _number(header[100:108]), _number(header[108:116]), _number(header[116:124])
        mtime = _number(header[136:148])
        xattrs = None
        if pax:
            if any(key.startswith("GNU.sparse.") for key in pax):
                raise TarError(f"unsupported sparse entry {name!r}")
            name = pax.get("path", name)
            linkname = pax.get("linkpath", linkname)
            size = int(pax.get("size", size))
            uid, gid = int(pax.get("uid", uid)), int(pax.get("gid", gid))
            if "mtime" in pax:
                mtime = int(float(pax["mtime"]))
            xattrs = {k[len(XATTR_PREFIX):]: v.encode("utf-8", "surrogateescape")
                      for k, v in pax.items() if k.startswith(XATTR_PREFIX)} or None
        if type_ == REGULAR and kind == b"\0" and name.endswith("/"):
            type_ = DIRECTORY           # a V7 directory
        if type_ in (HARDLINK, SYMLINK, CHAR, BLOCKDEV, DIRECTORY, FIFO):
            size = 0                    # as tarfile and GNU tar: no contents follow these
        self._data_left, self._pad_left = size, -size % BLOCK
        return Entry(name, type_, mode, uid, gid, size, mtime, linkname, xattrs, start + BLOCK)


class Contents:
    """Chunks (an entry's contents, a rebuilt layer tar) read like a file: `read(n)` returns n
    bytes, fewer only at the end."""

    def __init__(self, chunks: Iterator[bytes | memoryview]):
        self._chunks = chunks
        self._left = memoryview(b"")

    def read(self, n: int = -1) -> bytes:
        parts = []
        while n != 0:
            if not self._left:
                self._left = memoryview(next(self._chunks, b""))
                if not self._left:
                    break
            take = self._left if n < 0 else self._left[:n]
            parts.append(take)
            self._left = self._left[len(take):]
            n -= len(take) if n > 0 else 0
        return b"".join(parts)


_ZEROS = bytes(BLOCK)


def _check(header: bytes) -> None:
    stored = _number(header[148:156])
    unsigned = sum(header[:148]) + sum(header[156:]) + 8 * 32
    if stored != unsigned:
        signed = sum(b - 256 if b > 127 else b for b in header[:148]) + 8 * 32 + \
            sum(b - 256 if b > 127 else b for b in header[156:])
        if stored != signed:
            raise TarError("bad header checksum")


def _field(raw: bytes) -> bytes:
    return raw.partition(b"\0")[0]


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def _number(raw: bytes) -> int:
    if raw[0] & 0x80:               # base-256 (GNU), big-endian, two's complement
        value = int.from_bytes(raw[1:], "big")
        return value - (1 << (8 * (len(raw) - 1))) if raw[0] & 0x40 else value
    text = raw.partition(b"\0")[0]
    try:
        return int(text, 8) if text.strip() else 0
    except ValueError:
        raise TarError(f"invalid number field {text!r}") from None


def _pax_records(data: bytes) -> dict[str, str]:
    records: dict[str, str] = {}
    pos = 0
    while pos < len(data):
        if data[pos] == 0:
            break
        space = data.find(b" ", pos)
        try:
            length = int(data[pos:space])
        except ValueError:
            raise TarError("invalid pax header") from None
        if space < 0 or length <= 0 or pos + length > len(data) or data[pos + length - 1] != 0x0A:
            raise TarError("invalid pax header")
        key, sep, value = data[space + 1:pos + length - 1].partition(b"=")
        if not sep:
            raise TarError("invalid pax header")
        records[key.decode("utf-8", "surrogateescape")] = value.decode("utf-8", "surrogateescape")
        pos += length
    return records
