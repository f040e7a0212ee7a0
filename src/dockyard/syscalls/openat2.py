"""openat2(2) (Linux 5.6+), which Python's os module does not offer: one call resolves a whole
path with the kernel's rules (RESOLVE_IN_ROOT: symlinks and `..` as if `dirfd` were `/`).

The one binding: `LinuxSyscalls.openat2` calls it, and `confined` calls it directly (paths are
resolved in the runtime and the builder too, where no `Syscalls` is handed in). The C library
is loaded on the first call, never at import."""

from __future__ import annotations

import ctypes
import errno
import functools
import os

from dockyard.oci.syscall_table import X86_64

_available: bool | None = None


class _OpenHow(ctypes.Structure):
    _fields_ = [("flags", ctypes.c_uint64), ("mode", ctypes.c_uint64), ("resolve", ctypes.c_uint64)]


@functools.cache
def _syscall():
    call = ctypes.CDLL(None, use_errno=True).syscall
    call.restype = ctypes.c_long
    call.argtypes = [ctypes.c_long, ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p, ctypes.c_size_t]
    return call


def openat2(dirfd: int, path: str | bytes, flags: int, mode: int = 0, resolve: int = 0) -> int:
    """A file descriptor for `path` from `dirfd`, resolved as `resolve` says. Always O_CLOEXEC,
    as os.open's are. OSError with errno otherwise (ENOSYS before Linux 5.6)."""
    how = _OpenHow(flags | os.O_CLOEXEC, mode, resolve)
    raw = path if isinstance(path, bytes) else os.fsencode(path)
    fd = _syscall()(X86_64["openat2"], dirfd, raw, ctypes.byref(how), ctypes.sizeof(how))
    if fd < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"openat2: {os.strerror(err).lower()}", path)
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
