"""A container's init layer, as dockerd makes it: the mount points and marker files the engine
adds between the image and the container's writable layer, so they exist before the runtime
mounts onto them and never show in `docker diff` or `docker commit` (they do in `export`).

dockerd unlinks each path in an overlay of the image and recreates it: files (`/.dockerenv`,
`/etc/hosts`, ...) always come back empty with mode 0755, `/etc/mtab` a symlink to
/proc/mounts; directories the image has stay the image's; parents it has are copied up with
their attributes. Here the layer is a plain directory placed above the image's layers, made
with the same outcome from what the image holds (looked up top-most layer first, whiteouts
hiding what is below).
"""

from __future__ import annotations

import os
import stat

DIRECTORIES = ("/dev/pts", "/dev/shm", "/proc", "/sys")
FILES = ("/.dockerenv", "/etc/resolv.conf", "/etc/hosts", "/etc/hostname", "/dev/console")
SYMLINKS = {"/etc/mtab": "/proc/mounts"}


def make(directory: str, lowers: list[str]) -> None:
    """Write the init layer of an image whose layers' trees are `lowers` (top-most first) into
    `directory`, which must not exist (blocking I/O)."""
    os.mkdir(directory, 0o755)
    for path in DIRECTORIES:
        found = _lookup(lowers, path)
        if found is None or not stat.S_ISDIR(found.st_mode):
            _parents(directory, lowers, path)
            os.mkdir(os.path.join(directory, path[1:]), 0o755)
            os.chmod(os.path.join(directory, path[1:]), 0o755)  # not narrowed by the umask
    for path in FILES:
        _parents(directory, lowers, path)
        fd = os.open(os.path.join(directory, path[1:]), os.O_CREAT | os.O_WRONLY | os.O_CLOEXEC, 0o755)
        os.fchmod(fd, 0o755)
        os.close(fd)
    for path, target in SYMLINKS.items():
        _parents(directory, lowers, path)
        os.symlink(target, os.path.join(directory, path[1:]))


def _parents(directory: str, lowers: list[str], path: str) -> None:
    """The parent directories of `path` in the layer: the image's attributes where it has them
    as directories (an overlay copy-up), else root's 0755."""
    parts = path.strip("/").split("/")[:-1]
    for depth in range(1, len(parts) + 1):
        rel = "/".join(parts[:depth])
        target = os.path.join(directory, rel)
        if os.path.isdir(target):
            continue
        found = _lookup(lowers, "/" + rel)
        os.mkdir(target, 0o755)
        if found is not None and stat.S_ISDIR(found.st_mode):
            os.chown(target, found.st_uid, found.st_gid)
            os.chmod(target, stat.S_IMODE(found.st_mode))
            os.utime(target, ns=(found.st_atime_ns, found.st_mtime_ns))
        else:
            os.chmod(target, 0o755)


def _lookup(lowers: list[str], path: str) -> os.stat_result | None:
    """What the image shows at `path`: the top-most layer that has it decides; an overlay
    whiteout (a 0/0 character device) hides it. No symlink is followed: a component that is
    not a directory in the layer that decides means there is no such path."""
    parts = path.strip("/").split("/")
    for lower in lowers:
        decided, st = _lstat_within(lower, parts)
        if decided:
            return None if st is None or _is_whiteout(st) else st
    return None


def _lstat_within(root: str, parts: list[str]) -> tuple[bool, os.stat_result | None]:
    """(whether this layer decides, its lstat) of root/parts, following no symlink on the way:
    a layer without the path leaves it to the layers below; a component on the way that is
    not a directory here (a file, a symlink, a whiteout) hides it."""
    current = root
    for index, part in enumerate(parts):
        current = os.path.join(current, part)
        try:
            st = os.lstat(current)
        except FileNotFoundError:
            return False, None
        if index < len(parts) - 1 and not stat.S_ISDIR(st.st_mode):
            return True, None
    return True, st


def _is_whiteout(st: os.stat_result) -> bool:
    return stat.S_ISCHR(st.st_mode) and st.st_rdev == 0
