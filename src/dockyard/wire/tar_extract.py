"""Safe unpacking of a layer tar into a directory.

Archives are hostile: every entry name is cleaned (no `..`, absolute made relative), parent
directories are resolved as if the layer directory were `/` (symlinks can never lead outside),
files are created with O_NOFOLLOW, hardlinks must point at an existing entry inside the root,
and device nodes are skipped. Whiteouts become overlay whiteouts (char 0/0 and the opaque
xattr) or real deletions, depending on the driver.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import tarfile
from typing import BinaryIO

from dockyard.errors import InvalidArgument
from dockyard.wire import tar_paths

OVERLAY = "overlay"
DELETE = "delete"
OPAQUE_XATTR = "trusted.overlay.opaque"
MAX_SYMLINK_HOPS = 40
COPY_CHUNK = 1 << 20
_XATTR_PREFIX = "SCHILY.xattr."
_AS_ROOT = os.geteuid() == 0


class LayerExtractor:
    """Unpacks one layer tar stream on top of `root` (empty for overlay, a parent copy otherwise)."""

    def __init__(self, root: str, whiteouts: str = OVERLAY):
        self.root = os.path.realpath(root)
        self.whiteouts = whiteouts
        self.size = 0
        self._dirs: dict[str, str] = {}
        self._dir_meta: list[tuple[str, tarfile.TarInfo]] = []
        self._written: set[str] = set()
        self._source_fd: int | None = None

    def extract(self, stream: BinaryIO) -> int:
        """Unpack every entry of a tar stream; return the total size of regular file contents."""
        return self._run(lambda: tarfile.open(fileobj=stream, mode="r|", errorlevel=2))

    def extract_file(self, path: str) -> int:
        """Unpack an uncompressed tar file; file contents are copied in the kernel
        (copy_file_range from their offsets in the archive), never through Python."""
        with open(path, "rb") as source:
            self._source_fd = source.fileno()
            try:
                return self._run(lambda: tarfile.open(fileobj=source, mode="r:", errorlevel=2))
            finally:
                self._source_fd = None

    def _run(self, open_archive) -> int:
        try:
            with open_archive() as archive:
                for member in _members(archive):
                    self._entry(archive, member)
        except (tarfile.TarError, EOFError) as exc:
            raise InvalidArgument(f"invalid tar archive: {exc}") from None
        for path, member in reversed(self._dir_meta):
            _apply_metadata(path, member)
        return self.size

    def _entry(self, archive: tarfile.TarFile, member: tarfile.TarInfo) -> None:
        name = tar_paths.clean_name(member.name)
        if not name:
            return  # the root itself keeps the driver's metadata
        whiteout = tar_paths.whiteout_kind(name)
        if whiteout is not None:
            self._whiteout(*whiteout)
            return
        if member.ischr() or member.isblk():
            return  # device nodes are never created from an image
        parent, base = tar_paths.split(name)
        path = os.path.join(self._resolve_dir(parent), base)
        if member.isdir():
            self._make_dir(path, member)
            return
        self._clear(path)
        if member.isreg():
            self._write_file(archive, member, path)
        elif member.issym():
            os.symlink(member.linkname, path)
            self._dirs.clear()
        elif member.islnk():
            os.link(self._link_source(member), path, follow_symlinks=False)
        elif member.isfifo():
            os.mkfifo(path)
        else:
            raise InvalidArgument(f"unsupported archive entry type {member.type!r} for {name!r}")
        self._written.add(path)
        _apply_metadata(path, member)

    def _make_dir(self, path: str, member: tarfile.TarInfo) -> None:
        try:
            st = os.lstat(path)
            if not stat.S_ISDIR(st.st_mode):
                self._clear(path)
                os.mkdir(path, 0o700)
        except FileNotFoundError:
            os.mkdir(path, 0o700)
        self._written.add(path)
        self._dir_meta.append((path, member))

    def _write_file(self, archive: tarfile.TarFile, member: tarfile.TarInfo, path: str) -> None:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        with os.fdopen(fd, "wb") as out:
            if self._source_fd is not None and not member.issparse() and member.size:
                _copy_range(self._source_fd, out.fileno(), member)
            else:
                _copy_stream(archive.extractfile(member), out, member)
        self.size += member.size

    def _link_source(self, member: tarfile.TarInfo) -> str:
        target = tar_paths.clean_name(member.linkname)
        parent, base = tar_paths.split(target)
        if not base:
            raise InvalidArgument(f"invalid hardlink {member.name!r} to {member.linkname!r}")
        try:
            source = os.path.join(self._resolve_dir(parent, create=False), base)
            st = os.lstat(source)
        except (FileNotFoundError, InvalidArgument):
            raise InvalidArgument(
                f"invalid hardlink {member.name!r}: target {member.linkname!r} not in the layer"
            ) from None
        if stat.S_ISDIR(st.st_mode):
            raise InvalidArgument(f"invalid hardlink {member.name!r}: target is a directory")
        return source

    def _whiteout(self, kind: str, target: str) -> None:
        if kind == "meta":
            return
        if kind == "opaque":
            directory = self._resolve_dir(target)
            if self.whiteouts == OVERLAY:
                os.setxattr(directory, OPAQUE_XATTR, b"y", follow_symlinks=False)
            else:
                self._empty_lower_entries(directory)
            return
        parent, base = tar_paths.split(target)
        path = os.path.join(self._resolve_dir(parent), base)
        self._clear(path)
        if self.whiteouts == OVERLAY:
            os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(0, 0))

    def _empty_lower_entries(self, directory: str) -> None:
        """Opaque directory on a copied tree: drop what lower layers put there."""
        for entry in os.listdir(directory):
            path = os.path.join(directory, entry)
            if path not in self._written:
                self._clear(path)

    def _clear(self, path: str) -> None:
        """Remove whatever is at `path` (never following a symlink)."""
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return
        if stat.S_ISDIR(st.st_mode):
            shutil.rmtree(path)
        else:
            os.unlink(path)
        self._dirs.clear()

    def _resolve_dir(self, rel: str, create: bool = True) -> str:
        """Real path of directory `rel`, resolving symlinks as if the root were `/`."""
        cached = self._dirs.get(rel)
        if cached is not None:
            return cached
        resolved = self._walk(rel, create)
        self._dirs[rel] = resolved
        return resolved

    def _walk(self, rel: str, create: bool) -> str:
        resolved: list[str] = []
        pending = [p for p in rel.split("/") if p]
        hops = 0
        while pending:
            part = pending.pop(0)
            if part == ".":
                continue
            if part == "..":
                if resolved:
                    resolved.pop()
                continue
            path = os.path.join(self.root, *resolved, part)
            try:
                st = os.lstat(path)
            except FileNotFoundError:
                if not create:
                    raise InvalidArgument(f"archive path {rel!r} does not exist in the layer") from None
                os.mkdir(path, 0o755)
                resolved.append(part)
                continue
            if stat.S_ISLNK(st.st_mode):
                hops += 1
                if hops > MAX_SYMLINK_HOPS:
                    raise InvalidArgument(f"too many levels of symbolic links in {rel!r}")
                target = os.readlink(path)
                if target.startswith("/"):
                    resolved = []
                pending = [p for p in target.split("/") if p] + pending
                continue
            if not stat.S_ISDIR(st.st_mode):
                raise InvalidArgument(f"archive path {rel!r}: {part!r} is not a directory")
            resolved.append(part)
        return os.path.join(self.root, *resolved)


def _copy_stream(source, out, member: tarfile.TarInfo) -> None:
    remaining = member.size
    while remaining:
        chunk = source.read(min(COPY_CHUNK, remaining))
        if not chunk:
            raise InvalidArgument(f"invalid tar archive: unexpected end of data in {member.name!r}")
        out.write(chunk)
        remaining -= len(chunk)


def _copy_range(source_fd: int, out_fd: int, member: tarfile.TarInfo) -> None:
    offset, remaining = member.offset_data, member.size
    while remaining:
        try:
            copied = os.copy_file_range(source_fd, out_fd, remaining, offset)
        except OSError as exc:
            if exc.errno not in (errno.EXDEV, errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
                raise
            copied = _copy_pread(source_fd, out_fd, remaining, offset)
        if copied == 0:
            raise InvalidArgument(f"invalid tar archive: unexpected end of data in {member.name!r}")
        offset += copied
        remaining -= copied


def _copy_pread(source_fd: int, out_fd: int, count: int, offset: int) -> int:
    data = os.pread(source_fd, min(count, COPY_CHUNK), offset)
    if data:
        os.write(out_fd, data)
    return len(data)


def _apply_metadata(path: str, member: tarfile.TarInfo) -> None:
    if _AS_ROOT:
        os.chown(path, member.uid, member.gid, follow_symlinks=False)
    for key, value in member.pax_headers.items():
        if key.startswith(_XATTR_PREFIX):
            _set_xattr(path, key[len(_XATTR_PREFIX):], value)
    if not member.issym():
        os.chmod(path, member.mode & 0o7777)
    mtime = int(member.mtime)
    os.utime(path, ns=(mtime * 10**9, mtime * 10**9), follow_symlinks=False)


def _set_xattr(path: str, name: str, value: str) -> None:
    if name.startswith("trusted."):
        return  # overlay's own attributes could forge whiteouts or redirects
    try:
        os.setxattr(path, name, value.encode("utf-8", "surrogateescape"), follow_symlinks=False)
    except OSError as exc:
        if exc.errno not in (errno.ENOTSUP, errno.EPERM, errno.EINVAL):
            raise


def _members(archive: tarfile.TarFile):
    """Every member. An archive that ends right after the last member's data, without its
    padding or the end-of-archive blocks, ends there, as Go's tar reader takes it: the docker
    CLI sends a build context like that with `-f -`. (A member's data cut short still fails:
    its copy checks the size.)"""
    while True:
        try:
            member = archive.next()
        except tarfile.ReadError as exc:
            if str(exc) == "unexpected end of data":   # raised only while skipping to a header
                return
            raise
        if member is None:
            return
        yield member
