"""Performs Mount values with mount(2), or the new mount API for overlays too long for it.

mount(2) takes at most one page of options; an overlay with many layers exceeds it, so those
are mounted with fsopen/fsconfig (`lowerdir+`, one layer per call, Linux ≥ 6.8).
"""

from __future__ import annotations

import ctypes
import os

from dockyard.errors import InternalError
from dockyard.snapshots.mount import Mount

MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MNT_DETACH = 2
OPTIONS_MAX = 4000

_SYS_MOVE_MOUNT, _SYS_FSOPEN, _SYS_FSCONFIG, _SYS_FSMOUNT = 429, 430, 431, 432
_FSCONFIG_SET_STRING, _FSCONFIG_CMD_CREATE = 1, 6
_MOVE_MOUNT_F_EMPTY_PATH = 4
_AT_FDCWD = -100

_BIND_REMOUNT_FLAGS = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC
_MOUNT_ATTRS = {"ro": 0x1, "nosuid": 0x2, "nodev": 0x4, "noexec": 0x8}  # fsmount's MOUNT_ATTR_*
_FLAGS = {"rw": 0, "ro": MS_RDONLY, "nosuid": MS_NOSUID, "nodev": MS_NODEV, "noexec": MS_NOEXEC,
          "bind": MS_BIND, "rbind": MS_BIND | MS_REC}


class Mounter:
    def __init__(self) -> None:
        self.libc = ctypes.CDLL(None, use_errno=True)

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
        self._check(self.libc.mount(m.source.encode(), target.encode(), m.type.encode(),
                                    ctypes.c_ulong(flags), data.encode() if data else None),
                    f"mount {m.type} on {target}")
        if flags & MS_BIND and flags & _BIND_REMOUNT_FLAGS:  # a bind takes these only on remount
            self._check(self.libc.mount(None, target.encode(), None,
                                        ctypes.c_ulong(flags | MS_REMOUNT), None), f"remount {target}")

    def unmount(self, target: str, lazy: bool = False) -> None:
        """`lazy` detaches at once instead of waiting for the filesystem to settle; for mounts
        nothing uses any more (a stopped container's root)."""
        if lazy or self.libc.umount2(target.encode(), 0) != 0:
            self._check(self.libc.umount2(target.encode(), MNT_DETACH), f"unmount {target}")

    def _mount_overlay_fsconfig(self, m: Mount, target: str) -> None:
        syscall = self.libc.syscall
        fs_fd = syscall(_SYS_FSOPEN, b"overlay", 1)
        self._check(fs_fd, "fsopen overlay")
        try:
            for option in m.option_string().split(","):
                key, _, value = option.partition("=")
                values = value.split(":") if key == "lowerdir" else [value]
                key = "lowerdir+" if key == "lowerdir" else key
                for v in values:
                    self._check(syscall(_SYS_FSCONFIG, fs_fd, _FSCONFIG_SET_STRING, key.encode(),
                                        v.encode(), 0), f"fsconfig {key}")
            self._check(syscall(_SYS_FSCONFIG, fs_fd, _FSCONFIG_CMD_CREATE, None, None, 0),
                        "fsconfig create")
            attrs = sum(_MOUNT_ATTRS.get(name, 0) for name in m.flags())
            mnt_fd = syscall(_SYS_FSMOUNT, fs_fd, 1, attrs)
            self._check(mnt_fd, "fsmount")
            try:
                self._check(syscall(_SYS_MOVE_MOUNT, mnt_fd, b"", _AT_FDCWD, target.encode(),
                                    _MOVE_MOUNT_F_EMPTY_PATH), f"move_mount to {target}")
            finally:
                os.close(mnt_fd)
        finally:
            os.close(fs_fd)

    @staticmethod
    def _check(result: int, what: str) -> None:
        if result < 0:
            err = ctypes.get_errno()
            raise InternalError(f"{what}: {os.strerror(err)}")
