"""openat2 through the syscall seam: RESOLVE_IN_ROOT keeps absolute symlinks and `..` inside the
directory given, as a container's root needs (the real kernel; no root needed)."""

import errno
import os

import pytest

from dockyard.syscalls import LinuxSyscalls
from dockyard.syscalls.openat2 import available, openat2
from dockyard.syscalls.constants import RESOLVE_IN_ROOT, RESOLVE_NO_MAGICLINKS, RESOLVE_NO_SYMLINKS


@pytest.fixture
def root(tmp_path):
    (tmp_path / "root" / "etc").mkdir(parents=True)
    (tmp_path / "root" / "etc" / "passwd").write_text("inside\n")
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "passwd").write_text("outside\n")
    os.symlink("/etc/passwd", tmp_path / "root" / "absolute")
    os.symlink("../../../../etc/passwd", tmp_path / "root" / "etc" / "climbing")
    fd = os.open(tmp_path / "root", os.O_RDONLY | os.O_DIRECTORY)
    yield fd
    os.close(fd)


def read(fd: int) -> str:
    with os.fdopen(fd) as f:
        return f.read()


def test_in_root_resolves_symlinks_and_dotdot_inside_the_root(root):
    calls = LinuxSyscalls()
    for path in ("etc/passwd", "/etc/passwd", "absolute", "etc/climbing", "../../etc/passwd"):
        fd = calls.openat2(root, path, os.O_RDONLY, resolve=RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)
        assert os.get_inheritable(fd) is False
        assert read(fd) == "inside\n", path


def test_errors_carry_errno_and_path(root):
    calls = LinuxSyscalls()
    with pytest.raises(OSError) as missing:
        calls.openat2(root, "etc/nothing", os.O_RDONLY, resolve=RESOLVE_IN_ROOT)
    assert (missing.value.errno, missing.value.filename) == (errno.ENOENT, "etc/nothing")
    with pytest.raises(OSError) as symlink:
        calls.openat2(root, "absolute", os.O_RDONLY, resolve=RESOLVE_NO_SYMLINKS)
    assert symlink.value.errno == errno.ELOOP


def test_creates_with_the_mode_given(root):
    fd = LinuxSyscalls().openat2(root, "/new", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640, RESOLVE_IN_ROOT)
    try:
        assert os.fstat(fd).st_mode & 0o777 == 0o640 & ~_umask()
    finally:
        os.close(fd)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_the_function_confined_calls_is_the_same_binding(root):
    """`confined` calls `syscalls.openat2.openat2` directly; this kernel (5.6+) has it."""
    assert available() is True
    fd = openat2(root, "absolute", os.O_RDONLY, resolve=RESOLVE_IN_ROOT)
    assert read(fd) == "inside\n"
