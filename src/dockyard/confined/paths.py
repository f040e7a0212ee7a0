"""The one resolver of a path inside a root: symlinks and `..` are followed as if the root were
`/`, so no path ever leads out of it.

The kernel does it where it can (openat2 with RESOLVE_IN_ROOT, Linux 5.6+: one system call, and
no window between checking a component and using it); `walk` is the same rule in Python, for
older kernels and for paths whose tail does not exist yet (kept as written, as Docker's
FollowSymlinkInScope does)."""

from __future__ import annotations

import errno
import os

from dockyard.syscalls import constants as c
from dockyard.syscalls.openat2 import available, openat2

MAX_SYMLINKS = 40          # the kernel's limit (ELOOP past it)
IN_ROOT = c.RESOLVE_IN_ROOT | c.RESOLVE_NO_MAGICLINKS


def resolve_in_root(root: str, path: str, follow_last: bool = True) -> str:
    """Host path of `path` inside `root` (missing components kept as named). With
    `follow_last=False` a final symlink is the link itself, as `docker cp` wants."""
    parent, last = _split_last(path)
    if not follow_last and last not in ("", ".", ".."):
        return os.path.join(resolve_in_root(root, parent), last)
    if available():
        found = _kernel_resolve(root, path)
        if found is not None:
            return found
    return walk(root, path)


def open_in_root(root_fd: int, path: str, flags: int, mode: int = 0) -> int:
    """openat2(RESOLVE_IN_ROOT) relative to an open root directory, or the same resolution by
    `walk` then an O_NOFOLLOW open where the kernel lacks openat2."""
    if available():
        return openat2(root_fd, path or ".", flags, mode, IN_ROOT)
    root = os.readlink(f"/proc/self/fd/{root_fd}")
    return os.open(walk(root, path), flags | os.O_NOFOLLOW | os.O_CLOEXEC, mode)


def walk(root: str, path: str) -> str:
    """`resolve_in_root` in Python: each component read with readlink (ELOOP past MAX_SYMLINKS)."""
    pending = [p for p in path.split("/") if p]
    resolved: list[str] = []
    links = 0
    while pending:
        part = pending.pop(0)
        if part == ".":
            continue
        if part == "..":
            if resolved:
                resolved.pop()
            continue
        try:
            target = os.readlink(os.path.join(root, *resolved, part))
        except OSError:
            resolved.append(part)       # not a symlink, or missing: keep the name
            continue
        links += 1
        if links > MAX_SYMLINKS:
            raise OSError(errno.ELOOP, "too many levels of symbolic links", path)
        if target.startswith("/"):
            resolved = []
        pending = [p for p in target.split("/") if p] + pending
    return os.path.join(root, *resolved)


def _kernel_resolve(root: str, path: str) -> str | None:
    """The kernel's answer, or None when some component is missing (then `walk` decides)."""
    try:
        root_fd = os.open(root, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        fd = openat2(root_fd, path.lstrip("/") or ".", os.O_PATH, 0, IN_ROOT)
        try:
            real, real_root = os.readlink(f"/proc/self/fd/{fd}"), os.readlink(f"/proc/self/fd/{root_fd}")
        finally:
            os.close(fd)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise
        return None
    finally:
        os.close(root_fd)
    if real == real_root:
        return os.path.join(root, "")[:-1] or "/"
    prefix = real_root.rstrip("/") + "/"
    if not real.startswith(prefix):
        return None     # renamed meanwhile (a " (deleted)" suffix...): let walk decide
    return os.path.join(root, real[len(prefix):])


def _split_last(path: str) -> tuple[str, str]:
    stripped = path.rstrip("/")
    if path.endswith(("/", "/.")):
        return path, ""
    head, _, last = stripped.rpartition("/")
    return head or "/", last
