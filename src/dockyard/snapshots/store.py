"""Layers keyed by chain ID, unpacked once and shared; active (container) snapshots by key.

Layout under the root:
  layers/<chain hex>/fs         the layer (a diff for overlay, a full tree for copy)
  layers/<chain hex>/meta.json  {chain_id, diff_id, parent, size, link}
  l/<link>                      short symlink to a layer's fs (keeps overlay options short)
  active/<key>/                 a container's writable layer (+ meta.json)
  init/<link>                   the init layer of containers on that layer (shared, read-only)
  staging/                      layers being unpacked; never visible as layers
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import shutil
import tempfile
import threading
from dataclasses import dataclass
from typing import BinaryIO

from dockyard.disk.removal import remove_later
from dockyard.errors import Conflict, InvalidArgument, NotFound
from dockyard.metadata import atomic
from dockyard.oci import digest as digests
from dockyard.snapshots import init_layer
from dockyard.snapshots.diff_pipe import read_while_written
from dockyard.snapshots.drivers import Driver
from dockyard.snapshots.mount import Mount
from dockyard.snapshots.layer_tar import SPLIT, RebuiltTar
from dockyard.snapshots.unpack import DISPLACED, unpack_file, unpack_stream
from dockyard.syscalls.inode_flags import spread_subdirectories
from dockyard.confined import extract
from dockyard.wire import tar_stream
from dockyard.wire.tar_stream import ByteSink

_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")


@dataclass(frozen=True)
class StagedLayer:
    """A layer unpacked before its parent is known (overlay: it holds only its own changes)."""
    directory: str
    diff_id: str
    size: int
    tar_size: int


@dataclass(frozen=True)
class Layer:
    chain_id: str
    diff_id: str
    parent: str | None
    size: int


class SnapshotStore:
    def __init__(self, root: str, driver: Driver):
        self.root = root
        self.driver = driver
        self._lock = threading.Lock()
        for sub in ("layers", "l", "active", "staging", "init"):
            os.makedirs(os.path.join(root, sub), exist_ok=True)
        shutil.rmtree(os.path.join(root, "staging"), ignore_errors=True)  # leftovers of a crash
        os.makedirs(os.path.join(root, "staging"), exist_ok=True)
        for name in os.listdir(os.path.join(root, "init")):   # of a layer whose removal a crash cut short
            if name != "scratch" and not os.path.lexists(os.path.join(root, "l", name)):
                shutil.rmtree(os.path.join(root, "init", name), ignore_errors=True)
        for sub in ("staging", "active"):     # where layers and container layers are made
            spread_subdirectories(os.path.join(root, sub))

    # ---- layers -------------------------------------------------------------------------

    def apply_layer(self, stream: tar_stream.ByteReader, parent: str | None = None,
                    expected_diff_id: str | None = None, tee: tar_stream.DigestSink | None = None,
                    before_commit=None) -> Layer:
        """Unpack a layer tar (any supported compression) on top of `parent`.

        `tee.write` receives the uncompressed tar bytes (to store the layer blob); without a
        `tee`, where layers stand alone, the layer keeps a tar split instead;
        `before_commit(chain_id)` runs once the digest is known, before the layer is visible
        (to pin it). A stream that is corrupt, truncated or does not match `expected_diff_id`
        leaves nothing behind.
        """
        parent_layer = self.get(parent) if parent else None
        staging = tempfile.mkdtemp(dir=os.path.join(self.root, "staging"))
        try:
            diff_id, size = unpack_stream(self._staged_fs(staging, parent_layer), stream, tee,
                                          self.driver.whiteouts,
                                          split=tee is None and self.layers_stand_alone)
            if expected_diff_id and diff_id != expected_diff_id:
                raise InvalidArgument(
                    f"layer digest mismatch: expected {expected_diff_id}, got {diff_id}")
            chain = digests.chain_id(parent, diff_id)
            if before_commit is not None:
                before_commit(chain)
            return self._commit_staging(staging, chain, diff_id, parent, size)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    @property
    def layers_stand_alone(self) -> bool:
        """Whether a layer can be unpacked before its parent is known (`stage_layer`)."""
        return self.driver.whiteouts == extract.OVERLAY

    def stage_layer(self, stream: tar_stream.ByteReader) -> StagedLayer:
        """Unpack a layer tar whose parent is not known yet (docker load reads the manifest
        last); `commit_staged` makes it a layer once it is, `discard_staged` drops it. The
        layer keeps a tar split instead of its tar (`layer_tar` rebuilds it)."""
        staging = tempfile.mkdtemp(dir=os.path.join(self.root, "staging"))
        try:
            diff_id, size = unpack_stream(self._staged_fs(staging, None), stream, None,
                                          self.driver.whiteouts, split=True)
            tar_size = RebuiltTar.size_of(staging)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return StagedLayer(staging, diff_id, size, tar_size)

    def commit_staged(self, staged: StagedLayer, parent: str | None) -> Layer:
        try:
            return self._commit_staging(staged.directory, digests.chain_id(parent, staged.diff_id),
                                        staged.diff_id, parent, staged.size)
        finally:
            self.discard_staged(staged)

    def discard_staged(self, staged: StagedLayer) -> None:
        shutil.rmtree(staged.directory, ignore_errors=True)

    def _staged_fs(self, staging: str, parent_layer: Layer | None) -> str:
        """`<staging>/fs`, made and filled as the driver starts a layer on `parent_layer`."""
        fs = os.path.join(staging, "fs")
        os.mkdir(fs, 0o755)
        self.driver.fill_layer(fs, self._fs(parent_layer.chain_id) if parent_layer else None)
        return fs

    def apply_layer_file(self, path: str, diff_id: str, parent: str | None = None) -> Layer:
        """Unpack an uncompressed layer tar already stored and verified as `diff_id`."""
        chain = digests.chain_id(parent, diff_id)
        if self.has(chain):
            return self.get(chain)
        parent_layer = self.get(parent) if parent else None
        staging = tempfile.mkdtemp(dir=os.path.join(self.root, "staging"))
        try:
            size = unpack_file(self._staged_fs(staging, parent_layer), path, self.driver.whiteouts)
            return self._commit_staging(staging, chain, diff_id, parent, size)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def _commit_staging(self, staging: str, chain: str, diff_id: str, parent: str | None,
                        size: int) -> Layer:
        layer = Layer(chain, diff_id, parent, size)
        with self._lock:
            if self.has(chain):     # unpacked twice (an import of a root that is here already)
                self._keep_split(staging, self._layer_dir(chain))
                self._discard(staging, "duplicate")
                return self.get(chain)
            link = _short_link(chain)
            atomic.write_json(os.path.join(staging, "meta.json"), {
                "chain_id": chain, "diff_id": diff_id, "parent": parent, "size": size, "link": link})
            final = self._layer_dir(chain)
            os.rename(staging, final)
            os.chmod(final, 0o700)
            link_path = os.path.join(self.root, "l", link)
            if not os.path.lexists(link_path):
                os.symlink(os.path.join("..", "layers", digests.hex_of(chain), "fs"), link_path)
            atomic.fsync_dir(os.path.dirname(final))
        return layer

    def has_tar(self, chain_id: str) -> bool:
        """Whether the layer can rebuild its tar (it was unpacked with a tar split)."""
        return os.path.exists(os.path.join(self._layer_dir(chain_id), SPLIT))

    def layer_tar(self, chain_id: str) -> RebuiltTar:
        """The layer's tar, rebuilt from its split and files (its digest checked at the end)."""
        layer = self.get(chain_id)
        return RebuiltTar(self._layer_dir(chain_id), layer.diff_id)

    @staticmethod
    def _keep_split(staging: str, existing: str) -> None:
        """The layer is here already, but maybe without a tar split (its tar was a blob, gone
        with its image while a container kept the layer): the same tar unpacked the same files,
        so the new split serves it (the rebuild checks the digest all the same)."""
        if os.path.exists(os.path.join(existing, SPLIT)) or not os.path.exists(os.path.join(staging, SPLIT)):
            return
        if os.path.exists(os.path.join(staging, DISPLACED)):
            os.rename(os.path.join(staging, DISPLACED), os.path.join(existing, DISPLACED))
        os.rename(os.path.join(staging, SPLIT), os.path.join(existing, SPLIT))

    def has(self, chain_id: str) -> bool:
        return os.path.exists(os.path.join(self._layer_dir(chain_id), "meta.json"))

    def get(self, chain_id: str) -> Layer:
        meta = atomic.read_json(os.path.join(self._layer_dir(chain_id), "meta.json"))
        if meta is None:
            raise NotFound(f"layer {chain_id} not found")
        return Layer(meta["chain_id"], meta["diff_id"], meta["parent"], meta["size"])

    def chain(self, chain_id: str | None) -> list[Layer]:
        """The layer and its ancestors, top-most first."""
        layers = []
        while chain_id:
            layer = self.get(chain_id)
            layers.append(layer)
            chain_id = layer.parent
        return layers

    def layers(self) -> list[Layer]:
        found = []
        for name in os.listdir(os.path.join(self.root, "layers")):
            try:
                found.append(self.get("sha256:" + name))
            except (NotFound, InvalidArgument):
                continue
        return found

    def remove_layer(self, chain_id: str) -> None:
        """Delete a layer nobody builds on (no child layer, no active snapshot)."""
        with self._lock:
            if any(layer.parent == chain_id for layer in self.layers()):
                raise Conflict(f"layer {chain_id} is in use by another layer")
            if any(chain_id in self._active_chain(key) for key in self._active_keys()):
                raise Conflict(f"layer {chain_id} is in use by a container")
            meta = atomic.read_json(os.path.join(self._layer_dir(chain_id), "meta.json"))
            if meta is None:
                return
            link_path = os.path.join(self.root, "l", meta["link"])
            if os.path.lexists(link_path):
                os.unlink(link_path)
            doomed = os.path.join(self.root, "staging", "rm-" + digests.hex_of(chain_id))
            os.rename(self._layer_dir(chain_id), doomed)  # invisible at once, deleted after
            init_dir = os.path.join(self.root, "init", meta["link"])
            if os.path.isdir(init_dir):
                os.rename(init_dir, os.path.join(doomed, "init"))
        shutil.rmtree(doomed, ignore_errors=True)   # as dockerd's rmi: done when it answers

    def layer_path(self, chain_id: str) -> str:
        """The directory holding the layer (read-only use: tests, GraphDriver data)."""
        return self._fs(chain_id)

    def _fs(self, chain_id: str) -> str:
        return os.path.join(self._layer_dir(chain_id), "fs")

    def _layer_dir(self, chain_id: str) -> str:
        return os.path.join(self.root, "layers", digests.hex_of(chain_id))

    def _lowers(self, parent: str | None) -> list[str]:
        """Paths of the stack below a snapshot, top-most first, as the driver mounts them."""
        if self.driver.whiteouts == extract.DELETE:
            return [self._fs(parent)] if parent else []
        links = []
        for layer in self.chain(parent):
            links.append(os.path.join(self.root, "l", _short_link(layer.chain_id)))
        return links

    # ---- active snapshots (container layers) ---------------------------------------------

    def prepare(self, key: str, parent: str | None, init: bool = False) -> list[Mount]:
        """A writable snapshot on top of `parent`; returns the mounts for its root filesystem.
        `init`: a container's, with dockerd's init layer between `parent` and the writable layer
        (overlay only: a copied tree would carry it into diffs)."""
        return self._create_active(key, parent, readonly=False, init=init)

    def view(self, key: str, parent: str | None) -> list[Mount]:
        """A read-only view of `parent`."""
        return self._create_active(key, parent, readonly=True)

    def _create_active(self, key: str, parent: str | None, readonly: bool, init: bool = False) -> list[Mount]:
        directory = self._active_dir(key)
        if parent:
            self.get(parent)
        with self._lock:
            if os.path.exists(directory):
                raise Conflict(f"snapshot {key} already exists")
            os.makedirs(directory, 0o700)
        try:
            lowers = self._lowers(parent)
            init_dir = self._init_layer(parent) if init and self.driver.whiteouts == extract.OVERLAY else None
            if init_dir:
                lowers = [init_dir, *lowers]
            mounts = self.driver.prepare(directory, lowers, readonly)
            atomic.write_json(os.path.join(directory, "meta.json"), {
                "parent": parent, "readonly": readonly, "mounts": [m.to_json() for m in mounts], "init": init_dir})
        except BaseException:
            shutil.rmtree(directory, ignore_errors=True)
            raise
        return mounts

    def _init_layer(self, parent: str | None) -> str:
        """The init layer of containers on `parent`: the same for all of them, so it is made
        once per top layer (in staging, then renamed into place) and shared as a read-only
        lower directory; it goes with its layer."""
        path = os.path.join(self.root, "init", _short_link(parent) if parent else "scratch")
        if os.path.isdir(path):
            return path
        staging = tempfile.mkdtemp(prefix="init-", dir=os.path.join(self.root, "staging"))
        try:
            init_layer.make(os.path.join(staging, "fs"), [self._fs(layer.chain_id) for layer in self.chain(parent)])
            try:
                os.rename(os.path.join(staging, "fs"), path)
            except OSError as err:
                if err.errno not in (errno.EEXIST, errno.ENOTEMPTY):   # another create made it first
                    raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return path

    def mounts(self, key: str) -> list[Mount]:
        return [Mount.from_json(m) for m in self._active_meta(key)["mounts"]]

    def parent_of(self, key: str) -> str | None:
        return self._active_meta(key)["parent"]

    def diff(self, key: str, out: ByteSink) -> None:
        """Write the changes of an active snapshot as a layer tar (for commit and build)."""
        meta = self._active_meta(key)
        self.driver.diff(self._active_dir(key), self._lowers(meta["parent"]), out)

    def commit(self, key: str, parent: str | None, tee: tar_stream.DigestSink | None,
               before_commit=None) -> Layer:
        """The changes of active snapshot `key` as a new layer on `parent`, unpacked while a
        thread writes them (`diff_pipe`); without a `tee`, as `apply_layer` does."""
        def apply(source: BinaryIO, written) -> Layer:
            def committing(chain: str) -> None:
                written()
                if before_commit is not None:
                    before_commit(chain)
            return self.apply_layer(source, parent, tee=tee, before_commit=committing)
        return read_while_written(lambda out: self.diff(key, out), f"diff-{key[:12]}", apply)

    def commit_unmounted(self, key: str, parent: str | None, tee: tar_stream.DigestSink) -> Layer:
        """`commit` for a snapshot nothing mounts any more and that is removed next (a build
        step's scratch root): with overlay its upper dir becomes the layer, so the diff is only
        written to `tee` (hashed and stored), never unpacked; the snapshot keeps no changes."""
        if parent:
            self.get(parent)
        staging = tempfile.mkdtemp(dir=os.path.join(self.root, "staging"))
        try:
            size = self.driver.adopt(self._active_dir(key), tee, os.path.join(staging, "fs"))
            if size is None:
                return self.commit(key, parent, tee)
            return self._commit_staging(staging, digests.chain_id(parent, tee.digest), tee.digest, parent, size)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def graph_data(self, key: str | None, parent: str | None) -> dict[str, str]:
        active = self._active_dir(key) if key else None
        if self.driver.whiteouts == extract.DELETE:
            return self.driver.graph_data(active, self._lowers(parent))
        lowers = [self._fs(layer.chain_id) for layer in self.chain(parent)]
        init_dir = atomic.read_json(os.path.join(active, "meta.json"), {}).get("init") if active else None
        if init_dir:
            lowers.insert(0, init_dir)
        return self.driver.graph_data(active, lowers)

    def remove(self, key: str) -> None:
        """Delete an active snapshot (it must be unmounted)."""
        directory = self._active_dir(key)
        if not os.path.exists(directory):
            raise NotFound(f"snapshot {key} not found")
        self._discard(directory, "rm-active-" + key)

    def _discard(self, directory: str, name: str) -> None:
        """Invisible at once (renamed into `staging/`, which a start empties), deleted in the
        background: a removal does not wait for thousands of unlinks."""
        doomed = os.path.join(self.root, "staging", f"{name}-{os.urandom(4).hex()}")
        os.rename(directory, doomed)
        remove_later(doomed)

    def active_keys(self) -> list[str]:
        """Keys of every active snapshot (container layers, build steps)."""
        return self._active_keys()

    def _active_keys(self) -> list[str]:
        return os.listdir(os.path.join(self.root, "active"))

    def _active_chain(self, key: str) -> set[str]:
        meta = atomic.read_json(os.path.join(self._active_dir(key), "meta.json"), {})
        return {layer.chain_id for layer in self.chain(meta.get("parent"))}

    def _active_meta(self, key: str) -> dict:
        meta = atomic.read_json(os.path.join(self._active_dir(key), "meta.json"))
        if meta is None:
            raise NotFound(f"snapshot {key} not found")
        return meta

    def _active_dir(self, key: str) -> str:
        if not _KEY.fullmatch(key):
            raise InvalidArgument(f"invalid snapshot key: {key!r}")
        return os.path.join(self.root, "active", key)


def _short_link(chain_id: str) -> str:
    """A short, stable name for a layer's `l/` link (Docker's overlay2 uses 26 random chars)."""
    return hashlib.sha256(chain_id.encode()).hexdigest()[:12]
