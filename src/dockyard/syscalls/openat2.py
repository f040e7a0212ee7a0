"""openat2(2) (Linux 5.6+), which Python's os module does not offer: one call resolves a whole
path with the kernel's rules (RESOLVE_IN_ROOT: symlinks and `..` as if `dirfd` were `/`)."""

from __future__ import annotations

import ctypes
import errno
import os

from dockyard.oci.syscall_table import X86_64

_libc = ctypes.CDLL(None, use_errno=True)
_syscall = _libc.syscall
_syscall.restype = ctypes.c_long
_syscall.argtypes = [ctypes.c_long, ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p, ctypes.c_size_t]
_NR = X86_64["openat2"]
_available: bool | None = None


class _OpenHow(ctypes.Structure):
    _fields_ = [("flags", ctypes.c_uint64), ("mode", ctypes.c_uint64), ("resolve", ctypes.c_uint64)]


def openat2(dirfd: int, path: str | bytes, flags: int, mode: int = 0, resolve: int = 0) -> int:
    """A new file descriptor, or OSError with errno (ENOSYS where the kernel lacks openat2)."""
    how = _OpenHow(flags | os.O_CLOEXEC, mode, resolve)
    raw = path if isinstance(path, bytes) else os.fsencode(path)
    fd = _syscall(_NR, dirfd, raw, ctypes.byref(how), ctypes.sizeof(how))
    if fd < 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err), path)
    return fd


def available() -> bool:
    """Whether this kernel has openat2 (asked once)."""
    global _available
    if _available is None:
        try:
            os.close(openat2(-100, "/", os.O_PATH))   # AT_FDCWD
            _available = True
        except OSError as error:
            if error.errno not in (errno.ENOSYS, errno.EPERM):   # EPERM: a seccomp filter
                raise
            _available = False
    return _available
