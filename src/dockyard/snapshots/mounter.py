"""Performs Mount values through the syscall seam: mount(2), or the new mount API for overlays
too long for it.

mount(2) takes at most one page of options; an overlay with many layers exceeds it, so those
are mounted with fsopen/fsconfig (`lowerdir+`, one layer per call, Linux ≥ 6.8).
"""

from __future__ import annotations

import contextlib
import os
from typing import Iterator

from dockyard.errors import InternalError
from dockyard.snapshots.mount import Mount
from dockyard.syscalls import constants as c
from dockyard.syscalls.protocol import Syscalls

OPTIONS_MAX = 4000

_BIND_REMOUNT_FLAGS = c.MS_RDONLY | c.MS_NOSUID | c.MS_NODEV | c.MS_NOEXEC
_MOUNT_ATTRS = {"ro": c.MOUNT_ATTR_RDONLY, "nosuid": c.MOUNT_ATTR_NOSUID, "nodev": c.MOUNT_ATTR_NODEV,
                "noexec": c.MOUNT_ATTR_NOEXEC}
_FLAGS = {"rw": 0, "ro": c.MS_RDONLY, "nosuid": c.MS_NOSUID, "nodev": c.MS_NODEV, "noexec": c.MS_NOEXEC,
          "bind": c.MS_BIND, "rbind": c.MS_BIND | c.MS_REC}


class Mounter:
    """One per daemon (the composition root makes it); `syscalls` defaults to the real ones."""

    def __init__(self, syscalls: Syscalls | None = None) -> None:
        if syscalls is None:
            from dockyard.syscalls.linux import LinuxSyscalls  # ctypes only when mounting for real
            syscalls = LinuxSyscalls()
        self.sys = syscalls

    def mount_all(self, mounts: list[Mount], target: str) -> None:
        for m in mounts:
            self.mount(m, target)

    def mount(self, m: Mount, target: str) -> None:
        data = m.option_string()
        if m.type == "overlay" and len(data) > OPTIONS_MAX:
            self._mount_overlay_fsconfig(m, target)
            return
        flags = 0
        for name in m.flags():
            flags |= _FLAGS[name]
        with _failure(f"mount {m.type} on {target}"):
            self.sys.mount(m.source, target, m.type, flags, data or None)
        if flags & c.MS_BIND and flags & _BIND_REMOUNT_FLAGS:  # a bind takes these only on remount
            with _failure(f"remount {target}"):
                self.sys.mount(None, target, None, flags | c.MS_REMOUNT, None)

    def unmount(self, target: str, lazy: bool = False) -> None:
        """`lazy` detaches at once instead of waiting for the filesystem to settle; for mounts
        nothing uses any more (a stopped container's root)."""
        if not lazy:
            try:
                self.sys.umount2(target, 0)
                return
            except OSError:
                pass
        with _failure(f"unmount {target}"):
            self.sys.umount2(target, c.MNT_DETACH)

    def _mount_overlay_fsconfig(self, m: Mount, target: str) -> None:
        with _failure("fsopen overlay"):
            fs_fd = self.sys.fsopen("overlay", c.FSOPEN_CLOEXEC)
        try:
            for option in m.option_string().split(","):
                key, _, value = option.partition("=")
                values = value.split(":") if key == "lowerdir" else [value]
                key = "lowerdir+" if key == "lowerdir" else key
                for v in values:
                    with _failure(f"fsconfig {key}"):
                        self.sys.fsconfig(fs_fd, c.FSCONFIG_SET_STRING, key, v)
            with _failure("fsconfig create"):
                self.sys.fsconfig(fs_fd, c.FSCONFIG_CMD_CREATE, None, None)
            attrs = sum(_MOUNT_ATTRS.get(name, 0) for name in m.flags())
            with _failure("fsmount"):
                mnt_fd = self.sys.fsmount(fs_fd, c.FSMOUNT_CLOEXEC, attrs)
            try:
                with _failure(f"move_mount to {target}"):
                    self.sys.move_mount(mnt_fd, "", c.AT_FDCWD, target, c.MOVE_MOUNT_F_EMPTY_PATH)
            finally:
                self.sys.close(mnt_fd)
        finally:
            self.sys.close(fs_fd)


@contextlib.contextmanager
def _failure(what: str) -> Iterator[None]:
    """An OSError of the seam → the InternalError the mounter's callers expect: `<what>: <strerror>`."""
    try:
        yield
    except OSError as err:
        raise InternalError(f"{what}: {os.strerror(err.errno or 0)}") from None
