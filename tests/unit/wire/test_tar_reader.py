"""The tar reader against archives written by tarfile in each format it writes."""

import io
import tarfile

import pytest

from dockyard.errors import InvalidArgument
from dockyard.wire.tar_reader import DIRECTORY, HARDLINK, REGULAR, SYMLINK, TarReader

LONG = "deep/" + "d" * 120 + "/" + "f" * 150


def archive(fmt, *members) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=fmt) as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return out.getvalue()


def member(name, kind=tarfile.REGTYPE, data=b"", **fields):
    info = tarfile.TarInfo(name)
    info.type, info.mtime, info.mode = kind, 1_700_000_000, 0o644
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    for key, value in fields.items():
        setattr(info, key, value)
    return info, data if kind == tarfile.REGTYPE else None


def read_all(data: bytes, **kwargs):
    reader = TarReader(io.BytesIO(data), **kwargs)
    return [(e.name, e.type, e.mode, e.uid, e.gid, e.mtime, e.linkname, e.xattrs,
             b"".join(bytes(c) for c in reader.chunks(e))) for e in reader]


@pytest.mark.parametrize("fmt", [tarfile.PAX_FORMAT, tarfile.GNU_FORMAT])
def test_long_names_owners_links_and_contents(fmt):
    data = archive(fmt, member("dir/", tarfile.DIRTYPE, mode=0o755),
                   member(LONG, data=b"x" * 1000, uid=3_000_000, gid=7),
                   member("link", tarfile.SYMTYPE, linkname="/" + "t" * 200),
                   member("hard", tarfile.LNKTYPE, linkname=LONG))
    entries = read_all(data, read_size=700)    # buffers smaller than a member
    assert [(e[0].rstrip("/"), e[1]) for e in entries] == [
        ("dir", DIRECTORY), (LONG, REGULAR), ("link", SYMLINK), ("hard", HARDLINK)]
    assert entries[1][3:5] == (3_000_000, 7) and entries[1][8] == b"x" * 1000
    assert entries[1][5] == 1_700_000_000
    assert entries[2][6] == "/" + "t" * 200 and entries[3][6] == LONG


def test_pax_xattrs_and_global_headers():
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT,
                      pax_headers={"uid": "42"}) as tar:
        info, _ = member("f", data=b"")
        info.pax_headers = {"SCHILY.xattr.user.note": "hi", "mtime": "1700000001.5"}
        tar.addfile(info, io.BytesIO(b""))
    (entry,) = read_all(out.getvalue())
    assert entry[3] == 42 and entry[5] == 1_700_000_001 and entry[7] == {"user.note": b"hi"}


def test_offsets_point_at_contents_and_skipping_seeks():
    data = archive(tarfile.PAX_FORMAT, member("a", data=b"A" * 5000), member(LONG, data=b"B" * 3))
    source = io.BytesIO(data)
    reader = TarReader(source, read_size=1024, seek=source.seek)
    first = next(iter(reader))
    assert data[first.offset:first.offset + 5000] == b"A" * 5000
    reader.skip_contents(first)
    rest = list(reader)
    assert rest[0].name == LONG and data[rest[0].offset:rest[0].offset + 3] == b"BBB"


def test_v7_directories_and_base256_numbers():
    info, _ = member("old/", tarfile.AREGTYPE)
    block = bytearray(info.tobuf(tarfile.GNU_FORMAT)[:512])
    block[108:116] = b"\x80" + (5).to_bytes(7, "big")        # uid in base-256
    block[148:156] = b"        "
    block[148:155] = f"{sum(block):06o}\0".encode()
    (entry,) = read_all(bytes(block) + bytes(1024))
    assert entry[1] == DIRECTORY and entry[3] == 5


def test_corruption_is_refused():
    data = bytearray(archive(tarfile.PAX_FORMAT, member("f", data=b"abc")))
    data[10] ^= 1
    with pytest.raises(InvalidArgument, match="checksum"):
        read_all(bytes(data))
    with pytest.raises(InvalidArgument, match="unexpected end"):
        read_all(archive(tarfile.PAX_FORMAT, member("f", data=b"a" * 600))[:700])
    with pytest.raises(InvalidArgument, match="truncated header"):
        read_all(archive(tarfile.PAX_FORMAT, member("f", data=b"a"))[:1024 + 100])


def test_sparse_entries_are_refused_clearly():
    info, _ = member("s")
    info.type = tarfile.GNUTYPE_SPARSE
    block = info.tobuf(tarfile.GNU_FORMAT)
    with pytest.raises(InvalidArgument, match="sparse"):
        read_all(block + bytes(1024))
