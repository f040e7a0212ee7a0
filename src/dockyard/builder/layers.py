"""Layers of build steps: a scratch root on an image to change (COPY, ADD, WORKDIR), a
read-only view of an image (COPY --from), and a snapshot's changes committed as a layer
(blocking I/O; the build runs it in worker threads).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from typing import Iterator, Sequence

from dockyard.images.service import ImageService
from dockyard.snapshots.mount import for_daemon
from dockyard.snapshots.store import Layer
from dockyard.wire.tar_diff import OPAQUE_XATTR

# Mount points the runtime adds to a RUN step's container layer; Docker keeps them out of
# the image (its init layer), so a commit drops them when they are empty placeholders.
_MOUNT_POINT_FILES = ("etc/hostname", "etc/hosts", "etc/resolv.conf", ".dockerenv")


class BuildLayers:
    def __init__(self, images: ImageService, mounter, work_dir: str):
        self.images, self.mounter = images, mounter
        self.work_dir = work_dir
        os.makedirs(work_dir, exist_ok=True)

    def sweep(self) -> None:
        """What a daemon that died mid-build left: mounted roots and build snapshots."""
        for name in os.listdir(self.work_dir):
            path = os.path.join(self.work_dir, name)
            if not name.startswith(("root-", "view-", "mnt-")):
                continue
            for point in (os.path.join(path, "merged"), path):  # a RUN mount's overlay, or the mount itself
                if os.path.ismount(point):
                    self.mounter.unmount(point, lazy=True)
            shutil.rmtree(path, ignore_errors=True)
        for key in self.images.snapshots.active_keys():
            if key.startswith("build-"):
                self.images.remove_container_layer(key)

    def top_chain(self, image_id: str | None) -> str | None:
        return self.images.store.get(image_id).top_chain if image_id else None

    @contextmanager
    def writable(self, image_id: str | None) -> Iterator[tuple[str, str]]:
        """(snapshot key, mounted root) of a new layer on `image_id`; the snapshot is removed
        on exit, so commit inside the block."""
        key = "build-" + os.urandom(16).hex()
        mounts = self.images.snapshots.prepare(key, self.top_chain(image_id))
        target = tempfile.mkdtemp(prefix="root-", dir=self.work_dir)
        try:
            self.mounter.mount_all(for_daemon(mounts), target)
            try:
                yield key, target
            finally:
                if os.path.ismount(target):     # not yet unmounted by commit_scratch
                    self.mounter.unmount(target)
        finally:
            os.rmdir(target)
            self.images.remove_container_layer(key)

    @contextmanager
    def read_only(self, image_id: str | None) -> Iterator[str]:
        """The root filesystem of `image_id`, mounted read-only for the block."""
        key = "build-view-" + os.urandom(16).hex()
        chain = self.top_chain(image_id)
        target = tempfile.mkdtemp(prefix="view-", dir=self.work_dir)
        try:
            if chain is None:
                yield target  # scratch: an empty root
                return
            mounts = self.images.snapshots.view(key, chain)
            try:
                self.mounter.mount_all(for_daemon(mounts), target)
                try:
                    yield target
                finally:
                    self.mounter.unmount(target)
            finally:
                self.images.remove_container_layer(key)
        finally:
            os.rmdir(target)

    def commit(self, key: str, image_id: str | None, drop_mount_points: bool = False,
               file_mounts: Sequence[str] = ()) -> Layer:
        """The snapshot's changes as a layer on `image_id`'s layers (content blob + unpacked).
        `drop_mount_points`: a RUN container's layer, without the runtime's placeholders (those
        of its own files and of the `file_mounts`, as BuildKit drops them; directories made for
        mounts stay)."""
        if drop_mount_points:
            self._drop_mount_points(key, [m.lstrip("/") for m in file_mounts])
        return self.images.layer_from_snapshot(key, self.top_chain(image_id))

    def commit_scratch(self, key: str, root: str, image_id: str | None) -> Layer:
        """The changes made in `writable`'s root as a layer on `image_id`; the root is unmounted
        first (the block must not use it after), so with overlay the snapshot's own directory
        becomes the layer instead of its diff being unpacked once more."""
        self.mounter.unmount(root)
        return self.images.layer_from_snapshot(key, self.top_chain(image_id), unmounted=True)

    def apply(self, diff_id: str, image_id: str | None) -> Layer:
        """A layer already in the content store, put on `image_id`'s layers (`COPY --link`)."""
        return self.images.snapshots.apply_layer_file(self.images.content.path(diff_id), diff_id,
                                                      self.top_chain(image_id))

    def _drop_mount_points(self, key: str, file_mounts: list[str]) -> None:
        data = self.images.container_graph_driver(key)["Data"]
        upper = data.get("UpperDir")
        if not upper:
            return
        for name in (*_MOUNT_POINT_FILES, *file_mounts):
            path = os.path.join(upper, name)
            try:
                if os.path.isfile(path) and not os.path.islink(path) and os.path.getsize(path) == 0:
                    os.unlink(path)
            except OSError:
                continue
        etc = os.path.join(upper, "etc")
        if os.path.isdir(etc) and not os.listdir(etc) and OPAQUE_XATTR not in os.listxattr(etc):
            os.rmdir(etc)  # only made to hold those mount points
