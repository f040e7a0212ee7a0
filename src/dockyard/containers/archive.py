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
from dockyard.confined.paths import resolve_in_root
from dockyard.confined.extract import KEEP, Extractor, Options
from dockyard.wire import tar_stream

# Go's os.FileMode type bits, which the CLI reads from X-Docker-Container-Path-Stat.
_GO_MODE = [(stat.S_ISDIR, 1 << 31), (stat.S_ISLNK, 1 << 27), (stat.S_ISFIFO, 1 << 25),
            (stat.S_ISSOCK, 1 << 24), (stat.S_ISBLK, 1 << 26), (stat.S_ISCHR, (1 << 26) | (1 << 21))]


def resolve(root: str, path: str) -> str:
    """Host path of `path` inside `root`; the last component is not followed (as `cp` does)
    unless the path ends with `/` or `/.`."""
    return resolve_in_root(root, path, follow_last=False)


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
    options = Options(whiteouts=KEEP, owners=copy_uid_gid, fifos=False,
                      no_overwrite_dir_non_dir=no_overwrite_dir_non_dir)
    try:
        Extractor(root, options, base=os.path.relpath(target, root)).extract(
            tar_stream.decompressed(stream))
    except tar_stream.STREAM_ERRORS as err:
        raise InvalidArgument(f"invalid tar archive: {err}") from None
