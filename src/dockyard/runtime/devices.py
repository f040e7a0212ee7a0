"""The /dev a container sees: standard nodes, spec devices, and the usual symlinks."""

import os
import stat

from dockyard.confined.paths import resolve_in_root
from dockyard.syscalls import constants as c
from dockyard.syscalls.protocol import Syscalls

STANDARD_DEVICES: tuple[dict, ...] = tuple(
    {"path": f"/dev/{name}", "type": "c", "major": major, "minor": minor,
     "fileMode": 0o666, "uid": 0, "gid": 0}
    for name, major, minor in (("null", 1, 3), ("zero", 1, 5), ("full", 1, 7),
                               ("random", 1, 8), ("urandom", 1, 9), ("tty", 5, 0))
)
_KINDS = {"c": stat.S_IFCHR, "u": stat.S_IFCHR, "b": stat.S_IFBLK, "p": stat.S_IFIFO}


def create_devices(sys: Syscalls, rootfs: str, devices: list[dict]) -> None:
    """mknod each device (bind the host node when mknod is refused)."""
    seen = set()
    for device in [*devices, *STANDARD_DEVICES]:
        if device["path"] in seen:
            continue
        seen.add(device["path"])
        target = resolve_in_root(rootfs, device["path"])
        os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
        _make_node(sys, target, device)


def _make_node(sys: Syscalls, target: str, device: dict) -> None:
    mode = (device.get("fileMode") or 0o666) & 0o7777
    kind = _KINDS[device["type"]]
    try:
        os.mknod(target, mode | kind, os.makedev(device.get("major", 0), device.get("minor", 0)))
    except FileExistsError:
        return
    except PermissionError:
        open(target, "a").close()
        sys.mount(device["path"], target, None, c.MS_BIND, None)
        return
    os.chmod(target, mode)
    os.chown(target, device.get("uid") or 0, device.get("gid") or 0)


def create_dev_symlinks(rootfs: str) -> None:
    links = [("/proc/self/fd", "fd"), ("/proc/self/fd/0", "stdin"),
             ("/proc/self/fd/1", "stdout"), ("/proc/self/fd/2", "stderr")]
    if os.path.exists("/proc/kcore"):
        links.append(("/proc/kcore", "core"))
    for target, name in links:
        try:
            os.symlink(target, os.path.join(rootfs, "dev", name))
        except FileExistsError:
            pass
    ptmx = os.path.join(rootfs, "dev", "ptmx")
    if os.path.lexists(ptmx):
        os.unlink(ptmx)
    os.symlink("pts/ptmx", ptmx)
