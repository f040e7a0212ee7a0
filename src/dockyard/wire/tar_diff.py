"""Layer tars from directories: the reverse of extraction.

`write_overlay_diff` turns an overlay upper dir into a layer (char 0/0 → `.wh.name`, opaque
xattr → `.wh..wh..opq`); `write_tree_diff` compares a full tree with its lower tree (the
plain-copy driver) and emits changed entries plus `.wh.` entries for deletions.
"""

from __future__ import annotations

import os
import stat
import tarfile
from typing import IO, Iterator, cast

from dockyard.wire import tar_paths
from dockyard.wire.tar_stream import ByteSink

OPAQUE_XATTR = "trusted.overlay.opaque"
_KEPT_XATTR_PREFIXES = ("security.", "user.")


class LayerWriter:
    """Writes entries of one layer tar in PAX format, preserving hardlinks and xattrs."""

    def __init__(self, out: ByteSink):
        # tarfile's stream mode ("w|") only ever writes to its file object
        self.archive = tarfile.open(fileobj=cast(IO[bytes], out), mode="w|", format=tarfile.PAX_FORMAT)
        self._inodes: dict[tuple[int, int], str] = {}

    def add(self, path: str, name: str) -> None:
        """Add the file at `path` under archive name `name` (relative, no leading slash)."""
        st = os.lstat(path)
        info = _tarinfo(path, name, st)
        if stat.S_ISREG(st.st_mode) and st.st_nlink > 1:
            key = (st.st_dev, st.st_ino)
            first = self._inodes.get(key)
            if first is not None:
                info.type, info.linkname, info.size = tarfile.LNKTYPE, first, 0
            else:
                self._inodes[key] = name
        if info.type == tarfile.REGTYPE:
            with open(path, "rb") as f:
                self.archive.addfile(info, f)
        else:
            self.archive.addfile(info)

    def add_whiteout(self, name: str, opaque: bool = False) -> None:
        """`.wh.<base>` for a deleted `name`, or `name/.wh..wh..opq` for an opaque directory."""
        if opaque:
            target = f"{name}/{tar_paths.OPAQUE_MARKER}" if name else tar_paths.OPAQUE_MARKER
        else:
            parent, base = tar_paths.split(name)
            marker = tar_paths.WHITEOUT_PREFIX + base
            target = f"{parent}/{marker}" if parent else marker
        info = tarfile.TarInfo(target)
        info.mode = 0o644
        self.archive.addfile(info)

    def close(self) -> None:
        self.archive.close()


def write_overlay_diff(upper: str, out: ByteSink) -> None:
    writer = LayerWriter(out)
    for path, name, st in _walk(upper):
        if stat.S_ISCHR(st.st_mode) and st.st_rdev == 0:
            writer.add_whiteout(name)
            continue
        writer.add(path, name)
        if stat.S_ISDIR(st.st_mode) and _is_opaque(path):
            writer.add_whiteout(name, opaque=True)
    writer.close()


def write_tree_diff(lower: str | None, upper: str, out: ByteSink) -> None:
    """Entries of `upper` that differ from `lower`, and whiteouts for what `upper` lacks."""
    writer = LayerWriter(out)
    emitted_dirs: set[str] = set()
    base = lower or ""
    for path, name, st in _walk(upper):
        lower_st = _lstat(os.path.join(base, name)) if lower else None
        if stat.S_ISDIR(st.st_mode):
            if lower_st is None or _changed(st, lower_st, path, base, name):
                _emit_parents(writer, upper, name, emitted_dirs)
                writer.add(path, name)
                emitted_dirs.add(name)
            if lower_st is not None and stat.S_ISDIR(lower_st.st_mode):
                _whiteout_missing(writer, upper, base, name, emitted_dirs)
        elif lower_st is None or _changed(st, lower_st, path, base, name):
            _emit_parents(writer, upper, name, emitted_dirs)
            writer.add(path, name)
    writer.close()


def _whiteout_missing(writer: LayerWriter, upper: str, lower: str, name: str, emitted: set[str]) -> None:
    lower_dir = os.path.join(lower, name)
    upper_dir = os.path.join(upper, name)
    for entry in sorted(os.listdir(lower_dir)):
        if _lstat(os.path.join(upper_dir, entry)) is None:
            child = f"{name}/{entry}" if name else entry
            _emit_parents(writer, upper, child, emitted)
            writer.add_whiteout(child)


def _emit_parents(writer: LayerWriter, upper: str, name: str, emitted: set[str]) -> None:
    parts = name.split("/")[:-1]
    for i in range(1, len(parts) + 1):
        parent = "/".join(parts[:i])
        if parent not in emitted:
            writer.add(os.path.join(upper, parent), parent)
            emitted.add(parent)


def _changed(st: os.stat_result, lower_st: os.stat_result, path: str, lower: str, name: str) -> bool:
    if stat.S_IFMT(st.st_mode) != stat.S_IFMT(lower_st.st_mode):
        return True
    if (st.st_mode, st.st_uid, st.st_gid) != (lower_st.st_mode, lower_st.st_uid, lower_st.st_gid):
        return True
    if stat.S_ISDIR(st.st_mode):
        return False  # a directory's mtime changes with its children; those are diffed themselves
    if st.st_size != lower_st.st_size or st.st_mtime_ns != lower_st.st_mtime_ns:
        return True
    if stat.S_ISLNK(st.st_mode):
        return os.readlink(path) != os.readlink(os.path.join(lower, name))
    return False


def _walk(root: str) -> Iterator[tuple[str, str, os.stat_result]]:
    """(path, archive name, lstat) for every entry under root, parents first, sorted."""
    stack = [("", root)]
    while stack:
        name, path = stack.pop()
        entries = sorted(os.scandir(path), key=lambda e: e.name, reverse=True)
        children = []
        for entry in reversed(entries):
            child_name = f"{name}/{entry.name}" if name else entry.name
            st = entry.stat(follow_symlinks=False)
            yield entry.path, child_name, st
            if stat.S_ISDIR(st.st_mode):
                children.append((child_name, entry.path))
        stack.extend(reversed(children))


def _lstat(path: str) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None


def _is_opaque(path: str) -> bool:
    try:
        return os.getxattr(path, OPAQUE_XATTR, follow_symlinks=False) == b"y"
    except OSError:
        return False


def _tarinfo(path: str, name: str, st: os.stat_result) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.mode = stat.S_IMODE(st.st_mode)
    info.uid, info.gid = st.st_uid, st.st_gid
    info.mtime = int(st.st_mtime)
    info.uname = info.gname = ""
    if stat.S_ISREG(st.st_mode):
        info.type, info.size = tarfile.REGTYPE, st.st_size
    elif stat.S_ISDIR(st.st_mode):
        info.type = tarfile.DIRTYPE
    elif stat.S_ISLNK(st.st_mode):
        info.type, info.linkname = tarfile.SYMTYPE, os.readlink(path)
    elif stat.S_ISFIFO(st.st_mode):
        info.type = tarfile.FIFOTYPE
    elif stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
        info.type = tarfile.CHRTYPE if stat.S_ISCHR(st.st_mode) else tarfile.BLKTYPE
        info.devmajor, info.devminor = os.major(st.st_rdev), os.minor(st.st_rdev)
    xattrs = {"SCHILY.xattr." + key: value.decode("utf-8", "surrogateescape") for key, value in _xattrs(path).items()}
    if xattrs:
        info.pax_headers = {**info.pax_headers, **xattrs}
    return info


def _xattrs(path: str) -> dict[str, bytes]:
    try:
        names = os.listxattr(path, follow_symlinks=False)
    except OSError:
        return {}
    found = {}
    for key in names:
        if key.startswith(_KEPT_XATTR_PREFIXES):
            try:
                found[key] = os.getxattr(path, key, follow_symlinks=False)
            except OSError:
                continue
    return found
