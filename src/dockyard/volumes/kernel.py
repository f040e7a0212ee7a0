"""The kernel side of device-backed volumes: mount(2)/umount2(2) and /proc/self/mountinfo.

`LibcMounter` has the `mount`/`umount2` signatures of `dockyard.syscalls` Syscalls, so either fits
where a mounter is asked for.
"""

import ctypes
import ctypes.util
import os

from dockyard.volumes.options import MS_BIND, MS_RDONLY, MS_REC, MS_REMOUNT, PROPAGATION_MASK, parse_mount_options

MNT_DETACH = 2


class LibcMounter:
    def __init__(self):
        self._libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)

    def mount(self, source: str | None, target: str, fstype: str | None, flags: int, data: str | None) -> None:
        result = self._libc.mount(_c(source), _c(target), _c(fstype), ctypes.c_ulong(flags), _c(data))
        if result != 0:
            errno = ctypes.get_errno()
            raise OSError(errno, f"mount {source} on {target}: {os.strerror(errno)}", target)

    def umount2(self, target: str, flags: int) -> None:
        if self._libc.umount2(_c(target), flags) != 0:
            errno = ctypes.get_errno()
            raise OSError(errno, f"umount {target}: {os.strerror(errno)}", target)


def _c(text: str | None) -> bytes | None:
    return None if text is None else os.fsencode(text)


def mount_points(mountinfo: str = "/proc/self/mountinfo") -> list[str]:
    return [point for point, _ in _mount_table(mountinfo)]


def _mount_table(mountinfo: str = "/proc/self/mountinfo") -> list[tuple[str, list[str]]]:
    """(mount point, optional fields such as `shared:1` or `master:2`) per line."""
    table = []
    with open(mountinfo, encoding="utf-8", errors="surrogateescape") as lines:
        for line in lines:
            fields = line.split()
            optional = fields[6:fields.index("-")]
            table.append((_unescape(fields[4]), optional))
    return table


def propagation_of(path: str) -> tuple[str, set[str]]:
    """The mount point holding `path` (the last mounted wins) and its propagation kinds."""
    real = os.path.realpath(path)
    best, kinds = "/", set()
    for point, optional in _mount_table():
        if (real == point or real.startswith(point.rstrip("/") + "/")) and len(point) >= len(best):
            best, kinds = point, {field.split(":")[0] for field in optional}
    return best, kinds


def _unescape(field: str) -> str:
    """mountinfo escapes space, tab, newline and backslash as octal (`\\040`)."""
    if "\\" not in field:
        return field
    out, i = [], 0
    while i < len(field):
        if field[i] == "\\" and field[i + 1:i + 4].isdigit():
            out.append(chr(int(field[i + 1:i + 4], 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


def is_mounted(path: str) -> bool:
    return os.path.realpath(path) in mount_points()


def mounts_under(path: str) -> set[str]:
    prefix = os.path.realpath(path)
    return {p for p in mount_points() if p == prefix or p.startswith(prefix + "/")}


def mount_filesystem(mounter, device: str, target: str, fstype: str, o: str) -> None:
    """Mount as `mount -t fstype -o o device target`: flags first, then propagation, then a
    read-only remount for binds (which ignore MS_RDONLY on the first call)."""
    flags, data = parse_mount_options(o)
    plain = flags & ~PROPAGATION_MASK
    if not plain & MS_REMOUNT or data:
        mounter.mount(device, target, fstype or None, plain, data or None)
    if flags & PROPAGATION_MASK:
        mounter.mount("", target, None, flags & (PROPAGATION_MASK | MS_REC), None)
    if plain & (MS_BIND | MS_RDONLY) == MS_BIND | MS_RDONLY:
        mounter.mount("", target, None, plain | MS_REMOUNT, None)
