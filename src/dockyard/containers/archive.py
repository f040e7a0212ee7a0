"""`docker cp` both ways and `docker export`, confined to the container's root (blocking I/O).

Every path is resolved as if the container's root were `/`: symlinks can never lead out of
it, in either direction. Callers freeze a running container for the duration, so it cannot
swap a directory for a symlink between resolution and use.
"""

import base64
import json
import os
import posixpath
import stat
import tarfile
from datetime import datetime, timezone
from typing import BinaryIO

from dockyard.errors import InvalidArgument, NotFound
from dockyard.runtime.paths import secure_join
from dockyard.wire.tar_paths import clean_name

# Go's os.FileMode type bits, which the CLI reads from X-Docker-Container-Path-Stat.
_GO_MODE = [(stat.S_ISDIR, 1 << 31), (stat.S_ISLNK, 1 << 27), (stat.S_ISFIFO, 1 << 25),
            (stat.S_ISSOCK, 1 << 24), (stat.S_ISBLK, 1 << 26), (stat.S_ISCHR, (1 << 26) | (1 << 21))]


def resolve(root: str, path: str) -> str:
    """Host path of `path` inside `root`; the last component is not followed (as `cp` does)
    unless the path ends with `/` or `/.`."""
    if not path.startswith("/"):
        path = "/" + path
    follow_last = path.endswith(("/", "/."))
    parent, base = posixpath.split(path.rstrip("/") or "/")
    if follow_last or base in ("", ".", ".."):
        return secure_join(root, path)
    return os.path.join(secure_join(root, parent), base)


def go_file_mode(mode: int) -> int:
    value = stat.S_IMODE(mode) & 0o777
    for test, bit in _GO_MODE:
        if test(mode):
            value |= bit
    if mode & stat.S_ISUID:
        value |= 1 << 23
    if mode & stat.S_ISGID:
        value |= 1 << 22
    if mode & stat.S_ISVTX:
        value |= 1 << 20
    return value


def path_stat(root: str, path: str, container_name: str) -> dict:
    host = resolve(root, path)
    try:
        st = os.lstat(host)
    except FileNotFoundError:
        raise NotFound(f"Could not find the file {path} in container {container_name}") from None
    link = os.readlink(host) if stat.S_ISLNK(st.st_mode) else ""
    mtime = datetime.fromtimestamp(st.st_mtime, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return {"name": posixpath.basename(path.rstrip("/")) or "/", "size": st.st_size,
            "mode": go_file_mode(st.st_mode), "mtime": mtime, "linkTarget": link}


def stat_header(info: dict) -> str:
    return base64.b64encode(json.dumps(info).encode()).decode()


def write_archive(root: str, path: str, out: BinaryIO) -> None:
    """A tar of the file or directory at `path`, named by its base name (what `cp` expects)."""
    host = resolve(root, path)
    name = posixpath.basename(path.rstrip("/")) or "."
    if path.endswith("/."):
        name = "."
    with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        tar.add(host, arcname=name, recursive=True)


def write_export(root: str, out: BinaryIO) -> None:
    with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        for entry in sorted(os.listdir(root)):
            tar.add(os.path.join(root, entry), arcname=entry, recursive=True)


def extract_archive(root: str, path: str, stream: BinaryIO, container_name: str,
                    no_overwrite_dir_non_dir: bool, copy_uid_gid: bool) -> None:
    """Unpack a tar into the directory `path` inside the container."""
    target = resolve(root, path + "/")
    if not os.path.isdir(target):
        raise NotFound(f"Could not find the file {path} in container {container_name}")
    relative_target = os.path.relpath(target, root)
    try:
        with tarfile.open(fileobj=stream, mode="r|*") as tar:
            for member in tar:
                _extract_member(tar, member, root, relative_target, no_overwrite_dir_non_dir, copy_uid_gid)
    except tarfile.TarError as err:
        raise InvalidArgument(f"invalid tar archive: {err}") from None


def _extract_member(tar, member: tarfile.TarInfo, root: str, relative_target: str,
                    no_overwrite: bool, copy_uid_gid: bool) -> None:
    name = clean_name(member.name)  # an absolute name lands under the target, as with dockerd
    if not name:
        return
    inside = posixpath.join("/", relative_target, name)
    _make_parents(root, posixpath.dirname(inside))
    dest = resolve(root, inside)
    existing = os.lstat(dest) if os.path.lexists(dest) else None
    if existing is not None and no_overwrite and stat.S_ISDIR(existing.st_mode) != member.isdir():
        kind = "directory" if stat.S_ISDIR(existing.st_mode) else "non-directory"
        incoming = "directory" if member.isdir() else "non-directory"
        raise InvalidArgument(f"cannot overwrite {kind} {inside} with {incoming}")
    if member.isdir():
        if existing is None:
            os.mkdir(dest, member.mode & 0o7777)
    else:
        if existing is not None and not stat.S_ISDIR(existing.st_mode):
            os.unlink(dest)
        if member.isreg():
            _write_file(tar, member, dest)
        elif member.issym():
            os.symlink(member.linkname, dest)
        elif member.islnk():
            source = resolve(root, posixpath.join("/", relative_target, clean_name(member.linkname)))
            os.link(source, dest, follow_symlinks=False)
        else:
            return  # devices and fifos are not copied in
    if copy_uid_gid:
        os.lchown(dest, member.uid, member.gid)
    if not member.issym():
        os.chmod(dest, member.mode & 0o7777)


def _make_parents(root: str, directory: str) -> None:
    """Create the missing directories of `directory` inside the root (0755, as dockerd's
    unpacking does), each resolved inside the root."""
    path = "/"
    for part in directory.strip("/").split("/"):
        if not part:
            continue
        path = posixpath.join(path, part)
        host = resolve(root, path + "/")
        if not os.path.lexists(host):
            os.mkdir(host, 0o755)


def _write_file(tar, member: tarfile.TarInfo, dest: str) -> None:
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as out, tar.extractfile(member) as data:
        while chunk := data.read(1 << 20):
            out.write(chunk)
