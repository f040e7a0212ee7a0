"""The receiving end of BuildKit's file sync (`FileSync.DiffCopy`, fsutil's packet protocol).

The client walks its directory and sends one STAT packet per entry (an empty STAT ends the
walk); we ask for each regular file's bytes by its index (REQ), it sends them in DATA packets
(an empty one ends a file), and our FIN ends the exchange. Modes are Go's `os.FileMode` bits.
Every path is confined to the destination: the sender is untrusted.
"""

from __future__ import annotations

import os
import posixpath
import shutil
import stat as stat_module
from urllib.parse import quote

from dockyard.api.buildkit.generated import stat_pb2, wire_pb2
from dockyard.api.grpc.framing import GrpcError, Status
from dockyard.errors import InvalidArgument
from dockyard.confined.paths import resolve_in_root

DIFF_COPY = "/moby.filesync.v1.FileSync/DiffCopy"

_GO_DIR, _GO_SYMLINK, _GO_DEVICE, _GO_PIPE, _GO_SOCKET = 1 << 31, 1 << 27, 1 << 26, 1 << 25, 1 << 24
_GO_SETUID, _GO_SETGID, _GO_CHARDEV, _GO_STICKY = 1 << 23, 1 << 22, 1 << 21, 1 << 20
_GO_TYPE = _GO_DIR | _GO_SYMLINK | _GO_DEVICE | _GO_PIPE | _GO_SOCKET | _GO_CHARDEV | (1 << 19)


def unix_permissions(go_mode: int) -> int:
    mode = go_mode & 0o777
    if go_mode & _GO_SETUID:
        mode |= stat_module.S_ISUID
    if go_mode & _GO_SETGID:
        mode |= stat_module.S_ISGID
    if go_mode & _GO_STICKY:
        mode |= stat_module.S_ISVTX
    return mode


def sync_metadata(dir_name: str, include: list[str] | None = None, exclude: list[str] | None = None,
                  follow: list[str] | None = None) -> dict[str, list[str]]:
    """The call's metadata; values with non-ASCII characters query-escaped, as BuildKit marks them."""
    metadata = {"dir-name": [dir_name]}
    for key, values in (("include-patterns", include), ("exclude-patterns", exclude), ("followpaths", follow)):
        if values is None:
            continue
        if any(not value.isascii() for value in values):
            metadata[key + "-encoded"] = ["1"]
            values = [quote(value, safe="") for value in values]
        metadata[key] = list(values)
    return metadata


class DirectoryWriter:
    """Applies the sender's entries to a directory (blocking, small writes): a fresh one, or one
    an earlier transfer filled (`kept`: each entry's path → its Stat as sent then), where an
    entry sent again with the same metadata stays as it is (a file's bytes are not asked for
    again, as fsutil's receiver does) and `finish` deletes those not sent again."""

    def __init__(self, root: str, kept: dict[str, bytes] | None = None):
        self.root = root
        self.kept = kept or {}
        self.entries: dict[str, bytes] = {}   # what the directory holds once complete: path → Stat
        self.wanted: dict[int, str] = {}      # index → path of a regular file whose bytes we ask for
        self._open: dict[int, tuple[str, stat_pb2.Stat]] = {}
        self._times: list[tuple[str, int]] = []
        self._index = 0

    def entry(self, stat) -> None:
        path = _relative(stat.path)
        index, self._index = self._index, self._index + 1
        target = self._place(path)
        described = stat.SerializeToString(deterministic=True)
        unchanged = self.kept.get(path) == described
        self.entries[path] = described
        present = _lstat_mode(target)   # never followed: what is there may be an earlier symlink
        mode = stat.mode
        if mode & _GO_DIR:
            if present is None or not stat_module.S_ISDIR(present):
                _clear(target, present)
                os.mkdir(target, 0o700)
            os.chmod(target, unix_permissions(mode))
            self._times.append((target, stat.modTime))
        elif mode & _GO_SYMLINK:
            if unchanged and present is not None and stat_module.S_ISLNK(present):
                return
            _clear(target, present)
            os.symlink(stat.linkname, target)
            os.utime(target, ns=(stat.modTime, stat.modTime), follow_symlinks=False)
        elif mode & _GO_TYPE:
            _clear(target, present)
            return  # devices, pipes and sockets: a build context has no use for them
        elif stat.linkname:  # a hard link to an entry already sent (made again: its target may be new)
            _clear(target, present)
            os.link(resolve_in_root(self.root, _relative(stat.linkname)), target)
        else:
            if unchanged and present is not None and stat_module.S_ISREG(present):
                return
            _clear(target, present)
            self.wanted[index] = target
            self._open[index] = (target, stat)
            with open(target, "wb"):
                pass
            os.chmod(target, unix_permissions(mode))

    def data(self, index: int, chunk: bytes) -> bool:
        """Bytes of a requested file; an empty chunk ends it. True once every file is complete."""
        if index not in self._open:
            raise InvalidArgument(f"file sync: invalid file request {index}")
        target, stat = self._open[index]
        if chunk:
            with open(target, "ab") as f:
                f.write(chunk)
            return False
        del self._open[index]
        os.utime(target, ns=(stat.modTime, stat.modTime))
        return not self._open

    @property
    def complete(self) -> bool:
        return not self._open

    def finish(self) -> None:
        """Entries of the earlier transfer not sent again go; directories' times last: writing
        into them changed their mtimes."""
        stale = self.kept.keys() - self.entries.keys()
        if stale:
            holding = {parent for path in self.entries for parent in _parents(path)}
            for path in sorted(stale, reverse=True):   # a directory's entries before it
                if path not in holding:
                    self._remove_stale(path)
        for target, mtime in reversed(self._times):
            os.utime(target, ns=(mtime, mtime))

    def _remove_stale(self, path: str) -> None:
        """Only along real directories: a parent that became a symlink leads elsewhere."""
        directory = self.root
        for part in posixpath.dirname(path).split("/") if "/" in path else ():
            directory = os.path.join(directory, part)
            mode = _lstat_mode(directory)
            if mode is None or not stat_module.S_ISDIR(mode):
                return
        target = os.path.join(directory, posixpath.basename(path))
        _clear(target, _lstat_mode(target))

    def _place(self, path: str) -> str:
        parent, name = posixpath.split(path)
        directory = resolve_in_root(self.root, parent) if parent else self.root
        if not os.path.isdir(directory):
            raise InvalidArgument(f"file sync: {path} arrived before its directory")
        return os.path.join(directory, name)


def _parents(path: str):
    while "/" in path:
        path = posixpath.dirname(path)
        yield path


def _lstat_mode(path: str) -> int | None:
    try:
        return os.lstat(path).st_mode
    except FileNotFoundError:
        return None


def _clear(target: str, mode: int | None) -> None:
    """Remove what is at `target` (a directory with its tree; a symlink itself, never followed)."""
    if mode is None:
        return
    if stat_module.S_ISDIR(mode):
        shutil.rmtree(target)
    else:
        os.unlink(target)


def _relative(path: str) -> str:
    clean = posixpath.normpath("/" + path).lstrip("/")
    if not clean or clean == ".":
        raise InvalidArgument(f"file sync: invalid path {path!r}")
    return clean


async def receive(session, dir_name: str, root: str, *, include: list[str] | None = None,
                  exclude: list[str] | None = None, follow: list[str] | None = None,
                  kept: dict[str, bytes] | None = None) -> int:
    """Copy the client's directory `dir_name` into `root`; the bytes of packets received (what
    BuildKit's progress counts as transferred). `kept`: what `root` holds from an earlier
    transfer (see DirectoryWriter), updated to what it holds now."""
    call = session.call(DIFF_COPY, sync_metadata(dir_name, include, exclude, follow))
    writer = DirectoryWriter(root, kept)
    await call.open()
    try:
        received = await _exchange(call, writer)
    except BaseException:
        await call.cancel()   # the sender stops walking (a build that failed or was cancelled meanwhile)
        raise
    writer.finish()
    if kept is not None:
        kept.clear()
        kept.update(writer.entries)
    return received


async def _exchange(call, writer: DirectoryWriter) -> int:
    walked = sent_fin = False
    received = 0
    while True:
        payload = await call.recv()
        if payload is None:
            break
        received += len(payload)
        packet = wire_pb2.Packet.FromString(payload)
        if packet.type == wire_pb2.Packet.PACKET_ERR:
            raise GrpcError(Status.UNKNOWN, f"error from sender: {packet.data.decode('utf-8', 'replace')}")
        if packet.type == wire_pb2.Packet.PACKET_STAT:
            if not packet.HasField("stat"):
                walked = True
                # every request in one write (with the other transfers' of this turn): the sender serves them in turn
                for index in writer.wanted:
                    await call.send(wire_pb2.Packet(type=wire_pb2.Packet.PACKET_REQ, ID=index).SerializeToString(),
                                    flush=False)
                call.flush_soon()
            else:
                writer.entry(packet.stat)
        elif packet.type == wire_pb2.Packet.PACKET_DATA:
            writer.data(packet.ID, packet.data)
        if walked and writer.complete and not sent_fin:
            sent_fin = True
            await call.send(wire_pb2.Packet(type=wire_pb2.Packet.PACKET_FIN).SerializeToString(), flush=False)
            await call.close_send()   # the FIN and the stream's end in one write, soon
    return received
