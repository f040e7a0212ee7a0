"""The one tar extractor: image layers, build contexts, ADD archives and `docker cp` into a
container.

Archives are hostile. Every entry name is cleaned (no `..`; absolute names made relative) and
its parent directory is opened with the one resolver (`paths.open_in_root`: symlinks and `..`
as if the root were `/`); the entry itself is then made relative to that directory's file
descriptor, one component, never following a symlink (O_NOFOLLOW, O_EXCL, *at calls). Hard
links must point at an entry inside the root; device nodes are never made.

Few system calls per entry: parent directories stay open (a small cache of descriptors, dropped
when something is removed), a file is created, written, stamped and closed through its own
descriptor (open, write, futimens, close; fchown and fchmod only when the umask and owner did
not already give the wanted result: `entry_metadata`), nothing is fsynced (a layer becomes
visible by one rename of its staging directory). Directories get their metadata last, deepest first, so adding their
entries does not change their times."""

from __future__ import annotations

import errno
import os
import posixpath
import shutil
import stat
from collections.abc import Callable
from dataclasses import dataclass

from dockyard.confined.entry_metadata import EntryMetadata, plain_dir
from dockyard.confined.paths import open_in_root
from dockyard.errors import InvalidArgument
from dockyard.wire import tar_paths
from dockyard.wire.tar_split import Recorder
from dockyard.wire.tar_stream import ByteReader
from dockyard.wire.tar_reader import (BLOCKDEV, CHAR, DIRECTORY, FIFO, HARDLINK, REGULAR,
                                      SYMLINK, Entry, TarReader)

OVERLAY = "overlay"    # whiteouts become overlay whiteouts (char 0/0, the opaque xattr)
DELETE = "delete"      # whiteouts delete what lower layers put there (a copied tree)
KEEP = "keep"          # `.wh.` names are ordinary files (docker cp)
OPAQUE_XATTR = "trusted.overlay.opaque"
MAX_OPEN_DIRS = 256
COPY_IN_KERNEL = 64 << 10       # contents at least this large are copied with copy_file_range
_DIR_FLAGS = os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


@dataclass(frozen=True)
class Options:
    whiteouts: str = OVERLAY
    owners: bool = True             # the archive's owners (as root); False: the daemon's (0:0)
    owner: tuple[int, int] | None = None     # docker cp's copyUIDGID: every entry to this (uid, gid)
    fifos: bool = True
    no_overwrite_dir_non_dir: bool = False   # docker cp's flag: refuse to swap a dir and a non-dir


class Extractor:
    """Unpacks tar streams into `root` (at `base` inside it), confined to `root`. With a tar
    split's `recorder`, every byte of the stream is either recorded or written to a file the
    recorder is told of, and what holds recorded contents is moved to `side` (a directory on
    the same file system) instead of being deleted."""

    def __init__(self, root: str, options: Options = Options(), base: str = "",
                 recorder: Recorder | None = None, side: str | None = None):
        self.root = root
        self.recorder = recorder
        self.side = side
        self._real_dirs: dict[int, str] = {}     # descriptor → its path in the root (recorder)
        self._real_root = ""
        self.options = options
        self.base = tar_paths.clean_name(base)
        self.size = 0
        self._root_fd = -1
        self._dirs: dict[str, int] = {}          # cleaned directory name → O_PATH descriptor
        self._inodes: dict[int, int] = {}        # descriptor → inode (DELETE mode)
        self._plain: set[str] = set()            # directories made here, not setgid, no ACL
        self._dir_meta: list[tuple[str, Entry]] = []
        self._written: set[tuple[int, str]] = set()   # (parent inode, name): DELETE's opaque
        self._metadata = EntryMetadata(options.owners, options.owner)
        self._source_fd: int | None = None

    # ---- public ------------------------------------------------------------------------------

    def extract(self, stream: ByteReader) -> int:
        """Unpack every entry of an uncompressed tar stream; the total size of file contents."""
        keep = self.recorder.keep if self.recorder is not None else None
        return self._run(TarReader(stream, keep=keep))

    def extract_file(self, path: str) -> int:
        """Unpack an uncompressed tar file; large contents are copied in the kernel
        (copy_file_range from their offsets in the archive), never through Python."""
        with open(path, "rb", buffering=0) as source:
            self._source_fd = source.fileno()
            try:
                return self._run(TarReader(source, seek=source.seek))
            finally:
                self._source_fd = None

    # ---- the run -----------------------------------------------------------------------------

    def _run(self, reader: TarReader) -> int:
        self._root_fd = os.open(self.root, _DIR_FLAGS)
        if not self.base and plain_dir(self.root):
            self._plain.add("")
        try:
            for entry in reader:
                self._entry(reader, entry)
            for name, entry in reversed(self._dir_meta):
                self._finish_dir(name, entry)
        finally:
            self._close_dirs()
            os.close(self._root_fd)
        return self.size

    def _entry(self, reader: TarReader, entry: Entry) -> None:
        if len(self._dirs) >= MAX_OPEN_DIRS:
            self._close_dirs()      # between entries: no descriptor of the cache is in use
        name = tar_paths.clean_name(entry.name)
        if not name:
            return  # the root (or docker cp's target directory) keeps its metadata
        if self.options.whiteouts != KEEP:
            whiteout = tar_paths.whiteout_kind(name)
            if whiteout is not None:
                self._whiteout(*whiteout)
                return
        kind = entry.type
        if kind not in (REGULAR, DIRECTORY, SYMLINK, HARDLINK, FIFO):
            if kind in (CHAR, BLOCKDEV):
                return  # device nodes are never created from an archive
            raise InvalidArgument(f"unsupported archive entry type {kind!r} for {name!r}")
        if kind == FIFO and not self.options.fifos:
            return
        name = self._joined(name)
        parent, base = tar_paths.split(name)
        pfd = self._dir_fd(parent)
        if kind == DIRECTORY:
            self._make_dir(pfd, parent, base, name, entry)
        elif kind == REGULAR:
            self._write_file(reader, pfd, parent, base, entry)
        else:
            self._make_other(pfd, parent, base, entry)
        if self.options.whiteouts == DELETE:
            self._written.add((self._inode(pfd), base))

    def _inode(self, fd: int) -> int:
        inode = self._inodes.get(fd)
        if inode is None:
            inode = self._inodes[fd] = os.fstat(fd).st_ino
        return inode

    def _joined(self, name: str) -> str:
        if not self.base:
            return name
        return f"{self.base}/{name}" if name else self.base

    # ---- entries -----------------------------------------------------------------------------

    def _make_dir(self, pfd: int, parent: str, base: str, name: str, entry: Entry) -> None:
        try:
            os.mkdir(base, 0o700, dir_fd=pfd)
        except FileExistsError:
            st = os.stat(base, dir_fd=pfd, follow_symlinks=False)
            if stat.S_ISDIR(st.st_mode):
                self._dir_meta.append((name, entry))
                return
            self._refuse_swap(st, True, name)
            self._remove(pfd, base, st)
            os.mkdir(base, 0o700, dir_fd=pfd)
        if parent in self._plain:
            self._plain.add(name)
        self._dir_meta.append((name, entry))

    def _write_file(self, reader: TarReader, pfd: int, parent: str, base: str, entry: Entry) -> None:
        fd = self._create(pfd, base, lambda: os.open(base, _CREATE, entry.mode & 0o777, dir_fd=pfd),
                          parent)
        try:
            if self._source_fd is not None and entry.size >= COPY_IN_KERNEL:
                _copy_range(self._source_fd, fd, entry)
                reader.skip_contents(entry)
            else:
                for chunk in reader.chunks(entry):
                    _write_all(fd, chunk)
                if self.recorder is not None and entry.size:
                    self.recorder.file(self._real_dir(pfd), base, entry.size)
            self.size += entry.size
            self._metadata.file(fd, entry, parent in self._plain)
        finally:
            os.close(fd)

    def _make_other(self, pfd: int, parent: str, base: str, entry: Entry) -> None:
        if entry.type == SYMLINK:
            self._create(pfd, base, lambda: os.symlink(entry.linkname, base, dir_fd=pfd), parent)
        elif entry.type == FIFO:
            self._create(pfd, base, lambda: os.mkfifo(base, 0o600, dir_fd=pfd), parent)
        else:
            self._create(pfd, base, lambda: self._link(entry, pfd, base), parent)
        self._metadata.by_name(pfd, base, entry, parent in self._plain)

    def _link(self, entry: Entry, pfd: int, base: str) -> None:
        source_fd, source = self._link_source(entry)
        os.link(source, base, src_dir_fd=source_fd, dst_dir_fd=pfd, follow_symlinks=False)

    def _create(self, pfd: int, base: str, make: Callable, parent: str):
        try:
            return make()
        except FileExistsError:
            st = os.stat(base, dir_fd=pfd, follow_symlinks=False)
            self._refuse_swap(st, False, f"{parent}/{base}".lstrip("/"))
            self._remove(pfd, base, st)
            return make()

    def _refuse_swap(self, existing: os.stat_result, making_dir: bool, name: str) -> None:
        if self.options.no_overwrite_dir_non_dir and stat.S_ISDIR(existing.st_mode) != making_dir:
            have = "directory" if stat.S_ISDIR(existing.st_mode) else "non-directory"
            raise InvalidArgument(f"cannot overwrite {have} /{name} with "
                                  f"{'directory' if making_dir else 'non-directory'}")

    def _link_source(self, entry: Entry) -> tuple[int, str]:
        target = self._joined(tar_paths.clean_name(entry.linkname))
        parent, base = tar_paths.split(target)
        if not base:
            raise InvalidArgument(f"invalid hardlink {entry.name!r} to {entry.linkname!r}")
        try:
            pfd = self._dir_fd(parent, create=False)
            st = os.stat(base, dir_fd=pfd, follow_symlinks=False)
        except (FileNotFoundError, NotADirectoryError, InvalidArgument):
            raise InvalidArgument(
                f"invalid hardlink {entry.name!r}: target {entry.linkname!r} not in the layer") from None
        if stat.S_ISDIR(st.st_mode):
            raise InvalidArgument(f"invalid hardlink {entry.name!r}: target is a directory")
        return pfd, base

    # ---- whiteouts ---------------------------------------------------------------------------

    def _whiteout(self, kind: str, target: str) -> None:
        if kind == "meta":
            return
        if kind == "opaque":
            directory = self._dir_fd(target)
            if self.options.whiteouts == OVERLAY:
                fd = os.open(".", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC, dir_fd=directory)
                try:
                    os.setxattr(fd, OPAQUE_XATTR, b"y")
                finally:
                    os.close(fd)
            else:
                self._empty_lower_entries(directory)
            return
        parent, base = tar_paths.split(target)
        pfd = self._dir_fd(parent)
        try:
            self._remove(pfd, base, os.stat(base, dir_fd=pfd, follow_symlinks=False))
        except FileNotFoundError:
            pass
        if self.options.whiteouts == OVERLAY:
            os.mknod(base, stat.S_IFCHR | 0o600, os.makedev(0, 0), dir_fd=pfd)

    def _empty_lower_entries(self, dfd: int) -> None:
        """Opaque directory on a copied tree: drop what lower layers put there."""
        inode = os.fstat(dfd).st_ino
        for name in os.listdir(f"/proc/self/fd/{dfd}"):
            if (inode, name) not in self._written:
                self._remove(dfd, name, os.stat(name, dir_fd=dfd, follow_symlinks=False))

    def _remove(self, pfd: int, base: str, st: os.stat_result) -> None:
        """Remove what is at `base` (never following a symlink); directories and symlinks may
        be on the way to cached descriptors, which are dropped (all but `pfd`)."""
        if self._moved_aside(pfd, base):
            pass
        elif stat.S_ISDIR(st.st_mode):
            shutil.rmtree(base, dir_fd=pfd)
        else:
            os.unlink(base, dir_fd=pfd)
        if stat.S_ISDIR(st.st_mode) or stat.S_ISLNK(st.st_mode):
            self._close_dirs(keep=pfd)

    # ---- directories -------------------------------------------------------------------------

    def _dir_fd(self, name: str, create: bool = True, hops: int = 0) -> int:
        """An O_PATH descriptor of directory `name` (resolved in the root); missing
        directories are made (0755), unless `create` is False."""
        fd = self._dirs.get(name)
        if fd is not None:
            return fd
        try:
            fd = open_in_root(self._root_fd, name, _DIR_FLAGS)
        except FileNotFoundError:
            if not create:
                raise
            fd = self._make_missing(name, hops)
        except NotADirectoryError:
            raise InvalidArgument(f"archive path {name!r}: a component is not a directory") from None
        except OSError as error:
            if error.errno == errno.ELOOP:
                raise InvalidArgument(f"too many levels of symbolic links in {name!r}") from None
            raise
        self._dirs[name] = fd
        return fd

    def _make_missing(self, name: str, hops: int) -> int:
        parent, base = tar_paths.split(name)
        pfd = self._dir_fd(parent, True, hops)
        try:
            os.mkdir(base, 0o755, dir_fd=pfd)
        except FileExistsError:     # a dangling symlink: make its target, inside the root
            try:
                target = os.readlink(base, dir_fd=pfd)
            except OSError:
                raise InvalidArgument(f"archive path {name!r}: a component is not a directory") from None
            if hops >= 40:
                raise InvalidArgument(f"too many levels of symbolic links in {name!r}") from None
            joined = target if target.startswith("/") else f"{parent}/{target}"
            resolved = posixpath.normpath("/" + joined.lstrip("/")).lstrip("/")   # `..` stops at /
            return os.dup(self._dir_fd(resolved, True, hops + 1))
        if parent in self._plain:
            self._plain.add(name)
        return os.open(base, _DIR_FLAGS | os.O_NOFOLLOW, dir_fd=pfd)

    def _moved_aside(self, pfd: int, base: str) -> bool:
        """What the tar split still needs (it holds recorded contents) goes to `side`."""
        if self.recorder is None:
            return False
        real = f"{self._real_dir(pfd)}/{base}".lstrip("/")
        if not self.recorder.holds(real):
            return False
        assert self.side is not None
        os.makedirs(self.side, exist_ok=True)
        os.rename(base, os.path.join(self.side, self.recorder.displace(real)), src_dir_fd=pfd)
        return True

    def _real_dir(self, pfd: int) -> str:
        """The path of directory `pfd` relative to the root ("" for the root), as the kernel
        names it (no symlink on the way): where a tar split finds its files again."""
        parent = self._real_dirs.get(pfd)
        if parent is None:
            if not self._real_root:
                self._real_root = os.readlink(f"/proc/self/fd/{self._root_fd}")
            root, found = self._real_root, os.readlink(f"/proc/self/fd/{pfd}")
            if found == root:
                parent = ""
            elif found.startswith(root + "/"):
                parent = found[len(root) + 1:]
            else:
                raise InvalidArgument("archive path: outside the layer")
            self._real_dirs[pfd] = parent
        return parent

    def _close_dirs(self, keep: int | None = None) -> None:
        self._real_dirs = {fd: path for fd, path in self._real_dirs.items() if fd == keep}
        kept = {name: fd for name, fd in self._dirs.items() if fd == keep}
        for fd in self._dirs.values():
            if fd != keep:
                os.close(fd)
        self._dirs = kept
        self._inodes = {fd: inode for fd, inode in self._inodes.items() if fd == keep}

    def _finish_dir(self, name: str, entry: Entry) -> None:
        try:
            fd = open_in_root(self._root_fd, name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        except (FileNotFoundError, NotADirectoryError):
            return      # removed or replaced by a later entry
        except OSError as error:
            if error.errno == errno.ELOOP:
                return  # replaced by a symlink
            raise
        try:
            self._metadata.directory(fd, entry, tar_paths.split(name)[0] in self._plain)
        finally:
            os.close(fd)


def _write_all(fd: int, data: memoryview) -> None:
    while data:
        written = os.write(fd, data)
        data = data[written:]


def _copy_range(source_fd: int, out_fd: int, entry: Entry) -> None:
    offset, remaining = entry.offset, entry.size
    while remaining:
        try:
            copied = os.copy_file_range(source_fd, out_fd, remaining, offset)
        except OSError as exc:
            if exc.errno not in (errno.EXDEV, errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
                raise
            data = os.pread(source_fd, min(remaining, 1 << 20), offset)
            if data:
                _write_all(out_fd, memoryview(data))
            copied = len(data)
        if copied == 0:
            raise InvalidArgument(f"invalid tar archive: unexpected end of data in {entry.name!r}")
        offset += copied
        remaining -= copied
