"""Deleting a volume's tree without ever reaching through a mount point into other data.

A device-backed volume (`o=bind` of a host directory, or a tmpfs) left mounted by a crash must
not have its source emptied: mount points (from mountinfo, and any directory on another device)
are left alone and logged.
"""

import logging
import os
import stat
from pathlib import Path

from dockyard.volumes.kernel import mounts_under

log = logging.getLogger(__name__)


def remove_tree(path: Path) -> int:
    """Remove `path` and return the bytes its files held (their apparent size, hard links once)."""
    try:
        top = os.lstat(path)
    except FileNotFoundError:
        return 0
    seen: set[tuple[int, int]] = set()
    is_dir = stat.S_ISDIR(top.st_mode)
    real = os.path.realpath(path)  # children's paths are then canonical, comparable to mountinfo
    skip = mounts_under(real) if is_dir else set()
    if real in skip:
        log.error("not removing %s: it is a mount point", path)
        return 0
    freed = _remove_children(real, top.st_dev, skip, seen) if is_dir else 0
    try:
        os.rmdir(path) if is_dir else os.unlink(path)
    except OSError as err:
        log.warning("could not remove %s: %s", path, err)
    return freed


def _remove_children(directory: str, device: int, skip: set[str], seen: set[tuple[int, int]]) -> int:
    freed = 0
    with os.scandir(directory) as entries:
        children = list(entries)
    for entry in children:
        info = entry.stat(follow_symlinks=False)
        if stat.S_ISDIR(info.st_mode):
            if info.st_dev != device or entry.path in skip:
                log.error("not removing %s: another filesystem is mounted there", entry.path)
                continue
            freed += _remove_children(entry.path, device, skip, seen)
            _quietly(os.rmdir, entry.path)
            continue
        if (info.st_dev, info.st_ino) not in seen:
            seen.add((info.st_dev, info.st_ino))
            freed += info.st_size if stat.S_ISREG(info.st_mode) else 0
        _quietly(os.unlink, entry.path)
    return freed


def _quietly(remove, path: str) -> None:
    try:
        remove(path)
    except FileNotFoundError:
        pass
    except OSError as err:
        log.warning("could not remove %s: %s", path, err)
