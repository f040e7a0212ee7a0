"""Layer tars from directories: the reverse of extraction.

Headers are built by `tar_writer` (tarfile costs ~40 µs per entry). `write_overlay_diff` turns
an overlay upper dir into a layer (char 0/0 → `.wh.name`, opaque xattr → `.wh..wh..opq`);
`write_tree_diff` compares a full tree with its lower tree (the plain-copy driver) and emits
changed entries plus `.wh.` entries for deletions.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from typing import Iterator

from dockyard.wire import tar_paths, tar_writer
from dockyard.wire.tar_stream import ByteSink

OPAQUE_XATTR = "trusted.overlay.opaque"
KEPT_XATTR_PREFIXES = ("security.", "user.")


@dataclass
class UpperRest:
    """How an overlay upper dir differs from the tree its diff unpacks to (what must change for
    the dir itself to become that layer): times (the tar keeps whole seconds, and unpacking sets
    atime = mtime), xattrs a layer does not carry (overlay's own trusted.*, system.*), and what
    a layer never holds (sockets, device nodes)."""
    stamps: list[tuple[str, int]] = field(default_factory=list)        # (path, mtime in s)
    xattrs: list[tuple[str, list[str]]] = field(default_factory=list)  # (path, names to drop)
    strays: list[str] = field(default_factory=list)


class LayerWriter:
    """Writes entries of one layer tar (ustar + pax where needed, as Go's archive/tar does),
    preserving hardlinks and xattrs. Small entries are gathered into 1 MiB writes; a file's
    contents are read through one descriptor, which also gives its xattrs."""

    FLUSH = 1 << 20

    def __init__(self, out: ByteSink, rest: UpperRest | None = None):
        self.out = out
        self.size = 0           # of file contents, as an unpacked layer counts it
        self.rest = rest
        self._buf = bytearray()
        self._inodes: dict[tuple[int, int], str] = {}

    def add(self, path: str, name: str, st: os.stat_result | None = None) -> bool:
        """Add the file at `path` under archive name `name` (relative, no leading slash).
        Returns whether it is an overlay-opaque directory."""
        st = st or os.lstat(path)
        mode = st.st_mode
        if stat.S_ISREG(mode):
            self._add_file(path, name, st)
            return False
        names = _xattr_names(path)
        xattrs = _kept_xattrs(names, lambda key: os.getxattr(path, key, follow_symlinks=False))
        perm, mtime = stat.S_IMODE(mode), int(st.st_mtime)
        if stat.S_ISDIR(mode):
            self._emit(tar_writer.header(name + "/", tar_writer.DIRECTORY, perm, st.st_uid, st.st_gid,
                                         0, mtime, xattrs=xattrs))
            opaque = OPAQUE_XATTR in names and _is_opaque(path)
            self._note_rest(path, st, names, opaque)
            return opaque
        if self.rest is not None and (stat.S_ISSOCK(mode) or stat.S_ISCHR(mode) or stat.S_ISBLK(mode)):
            self.rest.strays.append(path)
        if stat.S_ISLNK(mode):
            kind, link, major, minor = tar_writer.SYMLINK, os.readlink(path), 0, 0
        elif stat.S_ISFIFO(mode):
            kind, link, major, minor = tar_writer.FIFO, "", 0, 0
        elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
            kind = tar_writer.CHAR if stat.S_ISCHR(mode) else tar_writer.BLOCKDEV
            link, major, minor = "", os.major(st.st_rdev), os.minor(st.st_rdev)
        else:
            return False        # sockets are not content
        self._emit(tar_writer.header(name, kind, perm, st.st_uid, st.st_gid, 0, mtime, link,
                                     major, minor, xattrs))
        self._note_rest(path, st, names, False)
        return False

    def _note_rest(self, path: str, st: os.stat_result, names: list[str], opaque: bool) -> None:
        rest = self.rest
        if rest is None:
            return
        if st.st_mtime_ns % 10**9 or st.st_atime_ns != st.st_mtime_ns:
            rest.stamps.append((path, int(st.st_mtime)))
        dropped = [n for n in names if not n.startswith(KEPT_XATTR_PREFIXES) and not (opaque and n == OPAQUE_XATTR)]
        if dropped:
            rest.xattrs.append((path, dropped))

    def _add_file(self, path: str, name: str, st: os.stat_result) -> None:
        perm, mtime = stat.S_IMODE(st.st_mode), int(st.st_mtime)
        if st.st_nlink > 1:
            key = (st.st_dev, st.st_ino)
            first = self._inodes.get(key)
            if first is not None:
                self._emit(tar_writer.header(name, tar_writer.HARDLINK, perm, st.st_uid, st.st_gid,
                                             0, mtime, first))
                return
            self._inodes[key] = name
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        try:
            names = _xattr_names(fd)
            xattrs = _kept_xattrs(names, lambda key: os.getxattr(fd, key))
            self._note_rest(path, st, names, False)
            self._emit(tar_writer.header(name, tar_writer.REGULAR, perm, st.st_uid, st.st_gid,
                                         st.st_size, mtime, xattrs=xattrs))
            remaining = st.st_size
            while remaining:
                data = os.read(fd, min(remaining, self.FLUSH))
                if not data:
                    raise OSError(f"{path} shrank while being archived")
                self._emit(data)
                remaining -= len(data)
        finally:
            os.close(fd)
        self.size += st.st_size
        self._emit(tar_writer.padding(st.st_size))

    def add_whiteout(self, name: str, opaque: bool = False) -> None:
        """`.wh.<base>` for a deleted `name`, or `name/.wh..wh..opq` for an opaque directory."""
        if opaque:
            target = f"{name}/{tar_paths.OPAQUE_MARKER}" if name else tar_paths.OPAQUE_MARKER
        else:
            parent, base = tar_paths.split(name)
            marker = tar_paths.WHITEOUT_PREFIX + base
            target = f"{parent}/{marker}" if parent else marker
        self._emit(tar_writer.header(target, tar_writer.REGULAR, 0o644, 0, 0, 0, 0))

    def _emit(self, data: bytes) -> None:
        if len(data) >= self.FLUSH:
            self._flush()
            self.out.write(data)
            return
        self._buf += data
        if len(self._buf) >= self.FLUSH:
            self._flush()

    def _flush(self) -> None:
        if self._buf:
            self.out.write(self._buf)
            self._buf = bytearray()

    def close(self) -> None:
        self._emit(bytes(2 * tar_writer.BLOCK))
        self._flush()


def write_overlay_diff(upper: str, out: ByteSink, rest: UpperRest | None = None) -> int:
    """The layer tar of an overlay upper dir; returns the size of its file contents. `rest`
    collects how the dir differs from what the tar unpacks to."""
    writer = LayerWriter(out, rest)
    for path, name, st in _walk(upper):
        if stat.S_ISCHR(st.st_mode) and st.st_rdev == 0:
            writer.add_whiteout(name)
            continue
        if writer.add(path, name, st):
            writer.add_whiteout(name, opaque=True)
    writer.close()
    return writer.size


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


def _xattr_names(target: str | int) -> list[str]:
    try:
        if isinstance(target, int):
            return os.listxattr(target)
        return os.listxattr(target, follow_symlinks=False)
    except OSError:
        return []


def _kept_xattrs(names: list[str], get) -> dict[str, bytes] | None:
    """The xattrs a layer carries (security.*, user.*); overlay's own trusted.* stay behind."""
    found = {}
    for key in names:
        if key.startswith(KEPT_XATTR_PREFIXES):
            try:
                found[key] = get(key)
            except OSError:
                continue
    return found or None
