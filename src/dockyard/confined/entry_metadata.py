"""Owner, extended attributes, mode and times of what the extractor made, with as few system
calls as the process's umask and owner allow: a file made by root in a directory made here (not
setgid, no default ACL) already has the owner and mode it asked for, so fchown and fchmod are
skipped when they would change nothing."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable

from dockyard.wire.tar_reader import HARDLINK, SYMLINK, Entry

_AS_ROOT = os.geteuid() == 0
_EUID, _EGID = os.geteuid(), os.getegid()


class EntryMetadata:
    """Sets an entry's metadata; `owners`: the archive's owners (as root), else the daemon's
    (0:0); `owner`: every entry to this (uid, gid) (docker cp's copyUIDGID)."""

    def __init__(self, owners: bool, owner: tuple[int, int] | None):
        self.owners = owners
        self.owner = owner
        self._umask = _umask()

    def file(self, fd: int, entry: Entry, plain_parent: bool) -> None:
        """A regular file, through its open descriptor."""
        chowned = self._chown(fd, entry, plain_parent)
        _xattrs(lambda key, value: os.setxattr(fd, key, value), entry)
        mode = entry.mode & 0o7777
        if not plain_parent or chowned or mode != mode & 0o777 & ~self._umask:
            os.chmod(fd, mode)    # after chown, which clears setuid bits
        os.utime(fd, ns=(entry.mtime * 10**9, entry.mtime * 10**9))

    def directory(self, fd: int, entry: Entry, plain_parent: bool) -> None:
        """A directory, through its open descriptor (once its entries are made)."""
        self._chown(fd, entry, plain_parent)
        _xattrs(lambda key, value: os.setxattr(fd, key, value), entry)
        os.chmod(fd, entry.mode & 0o7777)
        os.utime(fd, ns=(entry.mtime * 10**9, entry.mtime * 10**9))

    def by_name(self, pfd: int, base: str, entry: Entry, plain_parent: bool) -> None:
        """A symlink, fifo or hard link, by name in its (confined) directory."""
        owner = self._wanted_owner(entry, plain_parent and entry.type != HARDLINK)
        if owner is not None:
            os.chown(base, *owner, dir_fd=pfd, follow_symlinks=False)
        is_link = entry.type == SYMLINK or (
            entry.type == HARDLINK and stat.S_ISLNK(os.stat(base, dir_fd=pfd, follow_symlinks=False).st_mode))
        _xattrs(lambda key, value: os.setxattr(f"/proc/self/fd/{pfd}/{base}", key, value,
                                               follow_symlinks=False), entry)
        if not is_link:
            os.chmod(base, entry.mode & 0o7777, dir_fd=pfd)
        os.utime(base, ns=(entry.mtime * 10**9, entry.mtime * 10**9), dir_fd=pfd,
                 follow_symlinks=False)

    def _wanted_owner(self, entry: Entry, plain_parent: bool) -> tuple[int, int] | None:
        """The owner to set, or None when creation gave it already (as root, in a directory
        made here: not setgid, no default ACL)."""
        if not _AS_ROOT:
            return None
        owner = self.owner or ((entry.uid, entry.gid) if self.owners else (0, 0))
        return None if plain_parent and owner == (_EUID, _EGID) else owner

    def _chown(self, fd: int, entry: Entry, plain_parent: bool) -> bool:
        owner = self._wanted_owner(entry, plain_parent)
        if owner is not None:
            os.chown(fd, *owner)
        return owner is not None


def plain_dir(path: str) -> bool:
    """Not setgid and without a default ACL: what is made in it gets the maker's group and
    the mode asked for (less the umask)."""
    if os.stat(path).st_mode & stat.S_ISGID:
        return False
    try:
        os.getxattr(path, "system.posix_acl_default")
        return False
    except OSError:
        return True


def _umask() -> int:
    """The process's umask, read without changing it (threads share it)."""
    try:
        with open("/proc/self/status", "rb") as status:
            for line in status:
                if line.startswith(b"Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o7777     # unknown: every file gets its chmod


def _xattrs(set_one: Callable[[str, bytes], None], entry: Entry) -> None:
    if not entry.xattrs:
        return
    for key, value in entry.xattrs.items():
        if key.startswith("trusted."):
            continue  # overlay's own attributes could forge whiteouts or redirects
        try:
            set_one(key, value)
        except OSError as exc:
            if exc.errno not in (errno.ENOTSUP, errno.EPERM, errno.EINVAL):
                raise
