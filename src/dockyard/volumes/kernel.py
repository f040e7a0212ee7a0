"""The kernel side of device-backed volumes: mounts through the syscall seam (`Syscalls`), and
/proc/self/mountinfo."""

import os

from dockyard.syscalls import constants as c
from dockyard.syscalls.mount_options import split_option_string
from dockyard.syscalls.protocol import Syscalls


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


def mount_filesystem(syscalls: Syscalls, device: str, target: str, fstype: str, o: str) -> None:
    """Mount as `mount -t fstype -o o device target`: flags first, then propagation, then a
    read-only remount for binds (which ignore MS_RDONLY on the first call)."""
    flags, data = split_option_string(o)
    plain = flags & ~c.PROPAGATION_MASK
    if not plain & c.MS_REMOUNT or data:
        syscalls.mount(device, target, fstype or None, plain, data or None)
    if flags & c.PROPAGATION_MASK:
        syscalls.mount("", target, None, flags & (c.PROPAGATION_MASK | c.MS_REC), None)
    if plain & (c.MS_BIND | c.MS_RDONLY) == c.MS_BIND | c.MS_RDONLY:
        syscalls.mount("", target, None, plain | c.MS_REMOUNT, None)
