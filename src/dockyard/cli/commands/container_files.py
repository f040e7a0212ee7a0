"""A container's files: `cp` both ways (tar through the archive API), `export`, `commit`."""

from __future__ import annotations

import os
import posixpath
import sys
import tarfile
import threading
from typing import IO, Iterable, Iterator, cast

from dockyard.cli.each import write_output
from dockyard.cli.commands.images import split_tag
from dockyard.client import Client
from dockyard.client import containers as api
from dockyard.errors import InvalidArgument
from dockyard.wire.humanize import human_size

CHUNK = 1 << 20
GO_MODE_DIR = 1 << 31
END_OF_ARCHIVE = 1024  # two zero blocks


def register(sub, container) -> None:
    for parent in (sub, container):
        cp = parent.add_parser("cp", help="Copy files/folders between a container and the local filesystem")
        cp.add_argument("-a", "--archive", action="store_true")
        cp.add_argument("-L", "--follow-link", action="store_true")
        cp.add_argument("-q", "--quiet", action="store_true")
        cp.add_argument("source")
        cp.add_argument("destination")
        cp.set_defaults(run=run_cp)
        export = parent.add_parser("export", help="Export a container's filesystem as a tar archive")
        export.add_argument("-o", "--output")
        export.add_argument("container")
        export.set_defaults(run=run_export)
        commit = parent.add_parser("commit", help="Create a new image from a container's changes")
        commit.add_argument("-a", "--author", default="")
        commit.add_argument("-c", "--change", action="append", default=[])
        commit.add_argument("-m", "--message", default="")
        commit.add_argument("-p", "--pause", type=lambda t: t.lower() in ("1", "true"), default=True)
        commit.add_argument("container")
        commit.add_argument("reference", nargs="?")
        commit.set_defaults(run=run_commit)


def split_cp_arg(arg: str) -> tuple[str | None, str]:
    """`container:path` → (container, path); local paths (absolute, `.`-relative, no colon) → (None, path)."""
    if arg.startswith("/"):
        return None, arg
    container, colon, path = arg.partition(":")
    if not colon or container.startswith("."):
        return None, arg
    return container, path


def run_cp(client: Client, args) -> int:
    source_container, source = split_cp_arg(args.source)
    dest_container, dest = split_cp_arg(args.destination)
    if source_container and dest_container:
        raise InvalidArgument("copying between containers is not supported")
    if not source_container and not dest_container:
        raise InvalidArgument("must specify at least one container source")
    if source_container:
        copied = copy_from_container(client, source_container, source, dest, args.archive)
        target = os.path.abspath(dest)
    else:
        assert dest_container  # one side is a container, checked above
        copied = copy_to_container(client, source, dest_container, dest, args.archive, args.follow_link)
        target = args.destination
    if not args.quiet and dest != "-" and sys.stderr.isatty():
        print(f"Successfully copied {human_size(copied)} to {target}", file=sys.stderr)
    return 0


# ---- container → host -----------------------------------------------------------------------

def copy_from_container(client: Client, container: str, source: str, dest: str, keep_owner: bool) -> int:
    stat, chunks = api.get_archive(client, container, source)
    counted = _Counter(chunks)
    if dest == "-":
        for chunk in counted:
            sys.stdout.buffer.write(chunk)
        sys.stdout.buffer.flush()
        return counted.total
    into, rename = extract_plan(stat, dest)
    with tarfile.open(fileobj=cast(IO[bytes], counted), mode="r|") as tar:  # stream mode only reads
        tar.extractall(into, filter=_extract_filter(stat.get("name", ""), rename, keep_owner))
        return tar.offset + END_OF_ARCHIVE  # what docker counts: the archive up to its end marker


def extract_plan(stat: dict, dest: str) -> tuple[str, str | None]:
    """(directory to extract into, new name for the copied entry or None), as `docker cp` decides."""
    source_is_dir = bool(stat.get("mode", 0) & GO_MODE_DIR)
    if os.path.isdir(dest):
        return dest, None
    if dest.endswith("/"):
        raise InvalidArgument(f"destination directory \"{dest}\" does not exist")
    if os.path.exists(dest) and source_is_dir:
        raise InvalidArgument(f"cannot copy a directory to a file: {dest}")
    parent = os.path.dirname(os.path.abspath(dest))
    if not os.path.isdir(parent):
        raise InvalidArgument(f"no such directory: {parent}")
    return parent, os.path.basename(dest)


def _extract_filter(old_name: str, new_name: str | None, keep_owner: bool):
    uid, gid = os.getuid(), os.getgid()

    def rebase(member: tarfile.TarInfo, path: str) -> tarfile.TarInfo:
        name = member.name
        if new_name and old_name and (name == old_name or name.startswith(old_name + "/")):
            name = new_name + name[len(old_name):]
        member = tarfile.tar_filter(member.replace(name=name, deep=False), path)
        if not keep_owner:
            member = member.replace(uid=uid, gid=gid, uname="", gname="", deep=False)
        return member
    return rebase


class _Counter:
    """A read()-able stream over chunks that counts the bytes that went through."""

    def __init__(self, chunks: Iterable[bytes]):
        self._chunks = iter(chunks)
        self._pending = b""
        self.total = 0

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._chunks:
            self.total += len(chunk)
            yield chunk

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._pending) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self.total += len(chunk)
            self._pending += chunk
        if size < 0:
            size = len(self._pending)
        data, self._pending = self._pending[:size], self._pending[size:]
        return data


# ---- host → container -----------------------------------------------------------------------

def copy_to_container(client: Client, source: str, container: str, dest: str, keep_owner: bool,
                      follow: bool) -> int:
    if source == "-":
        counted = _Counter(iter(lambda: sys.stdin.buffer.read(CHUNK), b""))
        api.put_archive(client, container, dest, iter(counted), keep_owner)
        return counted.total
    if follow:
        source = os.path.realpath(source)
    if not os.path.lexists(source):
        raise InvalidArgument(f"could not find the file {source} in the local filesystem")
    target = api.path_stat(client, container, dest)
    into, name = put_plan(source, target, dest)
    sizes: list[int] = []
    api.put_archive(client, container, into, tar_chunks(source, name, keep_owner, sizes), keep_owner)
    return sizes[0] if sizes else 0


def put_plan(source: str, target: dict | None, dest: str) -> tuple[str, str]:
    """(container directory to extract into, name of the copied entry there) (pure)."""
    source_name = os.path.basename(os.path.normpath(source))
    if target is not None and target.get("mode", 0) & GO_MODE_DIR:
        return dest, source_name
    if target is not None and os.path.isdir(source):
        raise InvalidArgument(f"cannot copy a directory to a file: {dest}")
    if target is None and dest.endswith("/"):
        raise InvalidArgument(f"destination directory \"{dest}\" does not exist")
    return posixpath.dirname(dest.rstrip("/")) or "/", posixpath.basename(dest.rstrip("/"))


def tar_chunks(source: str, name: str, keep_owner: bool, sizes: list[int]) -> Iterator[bytes]:
    """A tar of `source` (entries under `name`), produced on a thread as it is read; its size up to
    the end marker (without tarfile's record padding) is appended to `sizes`."""
    read_fd, write_fd = os.pipe()

    def owner(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.mtime = int(info.mtime)  # whole seconds fit the ustar header: no pax header per entry
        if not keep_owner:
            info.uid = info.gid = 0
            info.uname = info.gname = ""
        return info

    def write() -> None:
        with os.fdopen(write_fd, "wb") as out, tarfile.open(fileobj=out, mode="w|",
                                                              format=tarfile.PAX_FORMAT) as tar:
            tar.add(source, arcname=name, filter=owner)
            sizes.append(tar.offset + END_OF_ARCHIVE)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    with os.fdopen(read_fd, "rb") as pipe:
        while chunk := pipe.read(CHUNK):
            yield chunk
    writer.join()


# ---- export, commit -------------------------------------------------------------------------

def run_export(client: Client, args) -> int:
    write_output(api.export(client, args.container), args.output)
    return 0


def run_commit(client: Client, args) -> int:
    repo, tag = split_tag(args.reference) if args.reference else (None, None)
    print(api.commit(client, args.container, repo, tag, args.author, args.message, args.change, args.pause))
    return 0
