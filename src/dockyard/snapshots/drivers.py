"""The two layer drivers: how a layer's directory is filled and how a stack is mounted.

overlay: each layer directory holds only that layer's changes (overlay whiteouts); a container
gets an overlay of short `l/<id>` links to its lower layers plus its own upper/work dirs.
copy: each layer directory holds the full tree; a container gets a private copy, bind-mounted.
"""

from __future__ import annotations

import errno
import os
import shutil
from typing import Protocol

from dockyard.errors import DockyardError, InvalidArgument
from dockyard.snapshots import copy_tool
from dockyard.snapshots.mounter import Mounter
from dockyard.snapshots.mount import Mount
from dockyard.confined import extract
from dockyard.wire import tar_diff
from dockyard.wire.tar_stream import ByteSink


class Driver(Protocol):
    name: str          # as Docker reports it in GraphDriver.Name
    whiteouts: str     # extract.OVERLAY or extract.DELETE

    def fill_layer(self, layer_fs: str, parent_fs: str | None) -> None: ...
    def prepare(self, active: str, lowers: list[str], readonly: bool) -> list[Mount]: ...
    def diff(self, active: str, lowers: list[str], out: ByteSink) -> None: ...
    def adopt(self, active: str, out: ByteSink, layer_fs: str) -> int | None: ...
    def graph_data(self, active: str | None, lowers: list[str]) -> dict[str, str]: ...


class OverlayDriver:
    name = "overlay2"
    whiteouts = extract.OVERLAY

    def fill_layer(self, layer_fs: str, parent_fs: str | None) -> None:
        pass  # a layer starts empty: it holds only its own diff

    def prepare(self, active: str, lowers: list[str], readonly: bool) -> list[Mount]:
        """`lowers` top-most first (short link paths)."""
        if not lowers:
            lowers = [_empty_dir(active)]
        if readonly:
            if len(lowers) == 1:
                return [Mount("bind", lowers[0], ("rbind", "ro"))]
            return [Mount("overlay", "overlay", ("ro", "lowerdir=" + ":".join(lowers)))]
        upper, work = os.path.join(active, "upper"), os.path.join(active, "work")
        os.makedirs(upper, exist_ok=True)
        os.makedirs(work, exist_ok=True)
        return [Mount("overlay", "overlay", (
            "lowerdir=" + ":".join(lowers), f"upperdir={upper}", f"workdir={work}"))]

    def diff(self, active: str, lowers: list[str], out: ByteSink) -> None:
        tar_diff.write_overlay_diff(os.path.join(active, "upper"), out)

    def adopt(self, active: str, out: ByteSink, layer_fs: str) -> int | None:
        """Write the diff of an unmounted snapshot to `out` and make its upper dir the layer
        at `layer_fs`, settled to exactly what the diff unpacks to; returns the diff's size."""
        upper = os.path.join(active, "upper")
        rest = tar_diff.UpperRest()
        size = tar_diff.write_overlay_diff(upper, out, rest)
        _settle(upper, rest)
        os.rename(upper, layer_fs)
        return size

    def graph_data(self, active: str | None, lowers: list[str]) -> dict[str, str]:
        data = {}
        if active:
            data = {"UpperDir": os.path.join(active, "upper"), "WorkDir": os.path.join(active, "work"),
                    "MergedDir": os.path.join(active, "merged")}
        elif lowers:
            data, lowers = {"UpperDir": lowers[0]}, lowers[1:]
        if lowers:
            data["LowerDir"] = ":".join(lowers)
        return data


class CopyDriver:
    name = "vfs"
    whiteouts = extract.DELETE

    def fill_layer(self, layer_fs: str, parent_fs: str | None) -> None:
        if parent_fs:
            copy_tool.copy_tree(parent_fs, layer_fs)

    def prepare(self, active: str, lowers: list[str], readonly: bool) -> list[Mount]:
        if readonly and lowers:
            return [Mount("bind", lowers[0], ("rbind", "ro"))]
        fs = os.path.join(active, "fs")
        if not os.path.isdir(fs):
            os.makedirs(fs)
            if lowers:
                copy_tool.copy_tree(lowers[0], fs)
        return [Mount("bind", fs, ("rbind", "ro" if readonly else "rw"))]

    def diff(self, active: str, lowers: list[str], out: ByteSink) -> None:
        tar_diff.write_tree_diff(lowers[0] if lowers else None, os.path.join(active, "fs"), out)

    def adopt(self, active: str, out: ByteSink, layer_fs: str) -> int | None:
        return None     # a layer here is a full tree made from its parent's: commit unpacks it

    def graph_data(self, active: str | None, lowers: list[str]) -> dict[str, str]:
        if active:
            return {"Dir": os.path.join(active, "fs")}
        return {"Dir": lowers[0]} if lowers else {}


def _settle(upper: str, rest: tar_diff.UpperRest) -> None:
    """An upper dir made into the tree its layer tar unpacks to: xattrs a layer does not carry
    dropped (overlay's origin/impure, ACLs), times in whole seconds with atime = mtime, no
    sockets or device nodes; the root as an unpacked layer's (0755, no xattrs)."""
    for path, names in [*rest.xattrs, (upper, _xattrs_not_kept(upper))]:
        for name in names:
            try:
                os.removexattr(path, name, follow_symlinks=False)
            except OSError as error:
                if error.errno != errno.ENODATA:
                    raise
    for path, seconds in rest.stamps:
        os.utime(path, ns=(seconds * 10**9, seconds * 10**9), follow_symlinks=False)
    for path in rest.strays:
        os.unlink(path)
    os.chmod(upper, 0o755)


def _xattrs_not_kept(path: str) -> list[str]:
    return [name for name in os.listxattr(path) if not name.startswith(tar_diff.KEPT_XATTR_PREFIXES)]


def _empty_dir(active: str) -> str:
    path = os.path.join(active, "empty")
    os.makedirs(path, exist_ok=True)
    return path


def overlay_supported(probe_dir: str, mounter: Mounter) -> bool:
    """True when an overlay can be mounted here (kernel support, permissions, backing fs)."""
    base = os.path.join(probe_dir, "overlay-probe")
    dirs = [os.path.join(base, d) for d in ("lower", "upper", "work", "merged")]
    try:
        for d in dirs:
            os.makedirs(d, exist_ok=True)
        mounter.mount(Mount("overlay", "overlay", (f"lowerdir={dirs[0]}", f"upperdir={dirs[1]}",
                                                    f"workdir={dirs[2]}")), dirs[3])
        mounter.unmount(dirs[3])
        return True
    except (OSError, DockyardError):
        return False
    finally:
        shutil.rmtree(base, ignore_errors=True)


def make_driver(name: str | None, probe_dir: str, mounter: Mounter | None = None) -> Driver:
    """`overlay2`, `vfs`, or None to pick overlay when it works here (probed with `mounter`)."""
    if name in ("overlay", "overlay2"):
        return OverlayDriver()
    if name in ("vfs", "copy"):
        return CopyDriver()
    if name:
        raise InvalidArgument(f"unknown storage driver: {name}")
    return OverlayDriver() if overlay_supported(probe_dir, mounter or Mounter()) else CopyDriver()
