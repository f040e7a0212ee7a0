"""Headers written by tar_writer, read back by tarfile (the reference) and by tar_reader."""

import io
import tarfile

from dockyard.wire import tar_writer
from dockyard.wire.tar_reader import TarReader

LONG = "deep/" + "d" * 120 + "/naïve-" + "f" * 100


def test_headers_read_back_by_tarfile_and_our_reader():
    data = b"contents" * 100
    archive = b"".join([
        tar_writer.header("dir/", tar_writer.DIRECTORY, 0o755, 0, 0, 0, 1_700_000_000),
        tar_writer.header(LONG, tar_writer.REGULAR, 0o4755, 3_000_000, 7, len(data), 1_700_000_001,
                          xattrs={"security.capability": b"\x01\x00\xff", "user.note": b"hi"}),
        data, tar_writer.padding(len(data)),
        tar_writer.header("link", tar_writer.SYMLINK, 0o777, 0, 0, 0, 0, "/" + "t" * 150),
        tar_writer.header("dev", tar_writer.CHAR, 0o600, 0, 0, 0, 0, devmajor=1, devminor=3),
        bytes(1024)])
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        members = tar.getmembers()
        assert [m.name for m in members] == ["dir", LONG, "link", "dev"]
        big = members[1]
        assert (big.mode, big.uid, big.gid, big.mtime, big.size) == (0o4755, 3_000_000, 7, 1_700_000_001, 800)
        assert tar.extractfile(big).read() == data
        assert big.pax_headers["SCHILY.xattr.user.note"] == "hi"
        assert members[2].linkname == "/" + "t" * 150
        assert (members[3].devmajor, members[3].devminor) == (1, 3)
    reader = TarReader(io.BytesIO(archive))
    entries = [(e.name, e.xattrs, b"".join(bytes(c) for c in reader.chunks(e))) for e in reader]
    assert entries[1] == (LONG, {"security.capability": b"\x01\x00\xff", "user.note": b"hi"}, data)
