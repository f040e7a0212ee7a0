"""COPY and ADD into a mounted root filesystem, and the checksum of what they copy (blocking I/O).

Docker's destination rules: a relative destination is under WORKDIR; a directory source copies
its contents; a file goes *into* the destination when it ends with `/` or is an existing
directory, else it becomes the destination; several sources need a `/`-terminated destination.
ADD unpacks local tar archives (plain, gzip, bzip2, xz) into the destination instead.
Destination paths resolve inside the root (symlinks cannot lead out of it). `--parents` keeps
each source's path under the destination; `--exclude` patterns (.dockerignore's syntax) leave
out what they match inside a source directory (a file source: its name).
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import shutil
import stat
from dataclasses import dataclass

from dockyard.dockerfile.ignore import IgnoreMatcher
from dockyard.errors import InvalidArgument
from dockyard.confined.extract import DELETE, Extractor, Options
from dockyard.confined.paths import resolve_in_root
from dockyard.wire import tar_stream

_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC

@dataclass(frozen=True)
class CopyOptions:
    owner: tuple[int, int] | None = (0, 0)   # None: keep the source's owner (COPY --from)
    chmod: int | None = None
    extract_archives: bool = False           # ADD
    exclude: IgnoreMatcher | None = None     # --exclude
    parents: bool = False                    # --parents: `relative` is kept under the destination


def copy_sources(sources: list[tuple[str, str]], root: str, dest: str, options: CopyOptions,
                 what: str = "COPY") -> None:
    into_dir = dest.endswith(("/", "/.")) or dest in (".", "/")
    if len(sources) > 1 and not into_dir:
        raise InvalidArgument(f"When using {what} with more than one source file, "
                              "the destination must be a directory and end with a /")
    for host, relative in sources:
        st = os.stat(host)  # the named source itself is followed when it is a symlink
        name = posixpath.basename(relative.rstrip("/")) or relative
        here = dest
        if options.parents:
            here = posixpath.join(dest, posixpath.dirname(relative.rstrip("/"))) + "/"
        if stat.S_ISDIR(st.st_mode):
            target = _make_dirs(root, posixpath.join(here, name) if options.parents else here, options)
            _copy_tree(host, target, options)
        elif excluded(options, name):
            continue
        elif options.extract_archives and _is_archive(host):
            _extract(host, _make_dirs(root, here, options))
        else:
            _copy_file_to(host, name, root, here, into_dir or options.parents, options)


def excluded(options: CopyOptions, relative: str) -> bool:
    return options.exclude is not None and options.exclude.ignored(relative)


def _copy_file_to(host: str, name: str, root: str, dest: str, into_dir: bool, options: CopyOptions) -> None:
    resolved = resolve_in_root(root, dest)
    if into_dir or os.path.isdir(resolved):
        directory = _make_dirs(root, dest, options)
        target = os.path.join(directory, name)
    else:
        _make_dirs(root, posixpath.dirname(dest) or "/", options)
        target = resolved
    _copy_one(host, target, os.stat(host), options)


def _make_dirs(root: str, path: str, options: CopyOptions) -> str:
    """Create `path` (and missing parents) inside root; new ones get the copy's owner."""
    resolved = resolve_in_root(root, path)
    missing = []
    probe = resolved
    while not os.path.lexists(probe) and probe != root:
        missing.append(probe)
        probe = os.path.dirname(probe)
    for directory in reversed(missing):
        os.mkdir(directory, 0o755)
        if options.owner is not None:
            os.lchown(directory, *options.owner)
    if not os.path.isdir(resolved):
        raise InvalidArgument(f"cannot copy to {path}: it is not a directory")
    return resolved


def _copy_tree(source: str, target: str, options: CopyOptions) -> None:
    for dirpath, dirnames, filenames in os.walk(source):
        relative = os.path.relpath(dirpath, source)
        here = target if relative == "." else os.path.join(target, relative)
        inside = "" if relative == "." else relative + "/"
        filenames = [n for n in filenames if not excluded(options, inside + n)]
        exclude = options.exclude
        dirnames[:] = [n for n in dirnames if exclude is None or not exclude.ignored(inside + n)
                       or exclude.may_reinclude_under(inside + n)]
        for name in sorted(dirnames):
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                _copy_one(path, os.path.join(here, name), st, options)
                continue
            made = os.path.join(here, name)
            if not os.path.isdir(made):
                _clear(made)
                os.mkdir(made)
            _set_meta(made, st, options)
        for name in filenames:
            path = os.path.join(dirpath, name)
            _copy_one(path, os.path.join(here, name), os.lstat(path), options)
        dirnames[:] = [d for d in dirnames if not os.path.islink(os.path.join(dirpath, d))]


def _copy_one(source: str, target: str, st: os.stat_result, options: CopyOptions) -> None:
    if stat.S_ISREG(st.st_mode):
        _copy_file(source, target, st, options)
        return
    if not stat.S_ISLNK(st.st_mode):
        return  # devices, fifos and sockets are not copied from a context
    _clear(target)
    os.symlink(os.readlink(source), target)
    _set_meta(target, st, options)


def _copy_file(source: str, target: str, st: os.stat_result, options: CopyOptions) -> None:
    """Made with O_EXCL (what was there, even a directory, is removed first), then its owner,
    mode and times set through its descriptor: three path lookups per file instead of eight,
    each an overlay lookup when the target is a build step's root."""
    try:
        fd = os.open(target, _CREATE, 0o600)
    except FileExistsError:
        _clear(target)
        fd = os.open(target, _CREATE, 0o600)
    with open(fd, "wb", closefd=True) as dst, open(source, "rb") as src:
        _copy_fd(src, dst, st.st_size)
        dst.flush()     # what copyfileobj left buffered, before the times are set
        _set_meta(fd, st, options)


def _copy_fd(src, dst, size: int) -> None:
    """In the kernel (copy_file_range) when it can, through Python otherwise."""
    offset = 0
    try:
        while offset < size:
            copied = os.copy_file_range(src.fileno(), dst.fileno(), size - offset)
            if copied == 0:
                break
            offset += copied
    except OSError:
        shutil.copyfileobj(src, dst, 1 << 20)


def _set_meta(target: str | int, st: os.stat_result, options: CopyOptions) -> None:
    """Owner, mode and times of a path (never followed) or of an open file."""
    owner = options.owner if options.owner is not None else (st.st_uid, st.st_gid)
    by_path = not isinstance(target, int)
    os.chown(target, *owner, follow_symlinks=not by_path)
    if not stat.S_ISLNK(st.st_mode):
        os.chmod(target, options.chmod if options.chmod is not None else stat.S_IMODE(st.st_mode))
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns), follow_symlinks=not by_path)


def _clear(path: str) -> None:
    """Remove what is at `path`: a file, a symlink (never followed) or a directory tree."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except IsADirectoryError:
        shutil.rmtree(path)


def _is_archive(path: str) -> bool:
    with open(path, "rb") as f:
        head = f.read(512)
    if tar_stream.compression_of(head[:6]) != "none":
        return True
    return len(head) >= 262 and head[257:262] == b"ustar"


def _extract(path: str, target: str) -> None:
    with open(path, "rb") as f:
        stream = tar_stream.decompressed(f)
        try:
            Extractor(target, Options(whiteouts=DELETE)).extract(stream)
        except (EOFError, OSError) as exc:
            raise InvalidArgument(f"ADD failed: cannot extract {os.path.basename(path)}: {exc}") from None


class OverBudget(Exception):
    """More to hash than the caller allowed."""


@dataclass
class HashBudget:
    """How many entries and bytes `sources_digest` may read before it gives up (OverBudget)."""
    entries: int
    size: int

    def spend(self, st: os.stat_result) -> None:
        self.entries -= 1
        if stat.S_ISREG(st.st_mode):
            self.size -= st.st_size
        if self.entries < 0 or self.size < 0:
            raise OverBudget()


def sources_digest(sources: list[tuple[str, str]], exclude: IgnoreMatcher | None = None,
                   budget: HashBudget | None = None) -> str:
    """Docker-like `file:<hex>` / `dir:<hex>` / `multi:<hex>` of names, modes and contents
    (of what `exclude` leaves). `budget`: counted before each entry is read (a directory's
    listing is read before its entries are counted)."""
    options = CopyOptions(exclude=exclude)
    parts = []
    for host, relative in sources:
        hasher = hashlib.sha256()
        st = os.stat(host)
        if stat.S_ISDIR(st.st_mode):
            for dirpath, dirnames, filenames in os.walk(host):
                dirnames.sort()
                for name in sorted(dirnames + filenames):
                    path = os.path.join(dirpath, name)
                    inside = os.path.relpath(path, host)
                    if not excluded(options, inside):
                        entry = os.lstat(path)
                        if budget is not None:
                            budget.spend(entry)
                        _hash_entry(hasher, inside, path, entry)
            parts.append(("dir", hasher.hexdigest()))
        elif not excluded(options, posixpath.basename(relative)):
            if budget is not None:
                budget.spend(st)
            _hash_entry(hasher, posixpath.basename(relative), host, st)
            parts.append(("file", hasher.hexdigest()))
    if len(parts) == 1:
        return f"{parts[0][0]}:{parts[0][1]}"
    return "multi:" + hashlib.sha256("".join(f"{k}:{h}," for k, h in parts).encode()).hexdigest()


def _hash_entry(hasher, name: str, path: str, st: os.stat_result) -> None:
    hasher.update(f"{name}\0{st.st_mode:o}\0".encode())
    if stat.S_ISLNK(st.st_mode):
        hasher.update(os.readlink(path).encode())
    elif stat.S_ISREG(st.st_mode):
        with open(path, "rb") as f:
            while chunk := f.read(1 << 20):
                hasher.update(chunk)
    hasher.update(b"\0")
