import errno
import os

import pytest

from dockyard.syscalls import constants as c
from dockyard.syscalls.openat2 import available, openat2

pytestmark = pytest.mark.skipif(not available(), reason="the kernel has no openat2")


def _real(fd: int) -> str:
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    finally:
        os.close(fd)


def test_in_root_resolves_symlinks_and_dotdot_inside_the_root(tmp_path):
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "etc/passwd").write_text("x")
    (root / "abs").symlink_to("/etc")
    (root / "up").symlink_to("../../../etc")
    root_fd = os.open(root, os.O_PATH | os.O_DIRECTORY)
    try:
        for path in ("abs/passwd", "up/passwd", "../../etc/passwd", "/etc/passwd"):
            assert _real(openat2(root_fd, path, os.O_PATH, resolve=c.RESOLVE_IN_ROOT)) == f"{root}/etc/passwd"
        with pytest.raises(FileNotFoundError):
            openat2(root_fd, "missing", os.O_RDONLY, resolve=c.RESOLVE_IN_ROOT)
    finally:
        os.close(root_fd)


def test_flags_and_errors_come_through(tmp_path):
    (tmp_path / "link").symlink_to("target")
    dir_fd = os.open(tmp_path, os.O_PATH | os.O_DIRECTORY)
    try:
        with pytest.raises(OSError) as error:
            openat2(dir_fd, "link", os.O_PATH, resolve=c.RESOLVE_NO_SYMLINKS)
        assert error.value.errno == errno.ELOOP
        fd = openat2(dir_fd, "new", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, b"data")
        assert os.get_inheritable(fd) is False   # O_CLOEXEC always
        os.close(fd)
        assert (tmp_path / "new").read_bytes() == b"data"
    finally:
        os.close(dir_fd)
