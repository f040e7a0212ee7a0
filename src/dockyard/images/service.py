"""The image service: the store, tags, list/inspect/history, removal and pruning (what they
decide: `removal_rules`), and the container layers built on images. Load, save and import
live beside it (they all funnel into `create_image`).

Every method is synchronous and may block on disk: the API calls it in a worker thread.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, Protocol, Sequence

from dockyard.content.store import ContentStore
from dockyard.errors import Conflict, InternalError, NotFound
from dockyard.images import filters as image_filters
from dockyard.images import removal_rules as rules
from dockyard.images import views
from dockyard.images.store import ImageRecord, ImageStore
from dockyard.oci import digest as digests
from dockyard.oci import reference
from dockyard.oci.image import diff_ids as config_diff_ids
from dockyard.oci.image import parse_created
from dockyard.oci.reference import Reference
from dockyard.snapshots.drivers import make_driver
from dockyard.snapshots.mount import Mount
from dockyard.snapshots.mounter import Mounter
from dockyard.snapshots.store import Layer, SnapshotStore
from dockyard.wire.times import format_rfc3339_nano, until_filter


class ImageUsers(Protocol):
    """Who uses an image: the containers made from it, and whether one runs."""

    def using_image(self, image_id: str) -> list[str]: ...

    def is_running(self, container_id: str) -> bool: ...


class ImageService:
    def __init__(self, data_root: str, events=None, driver: str | None = None, mounter: Mounter | None = None,
                 users: ImageUsers | None = None):
        self.data_root = data_root
        self.content = ContentStore(os.path.join(data_root, "content"))
        self.content.discard_partial_ingests()
        snapshot_root = os.path.join(data_root, "snapshots")
        os.makedirs(snapshot_root, exist_ok=True)
        self.snapshots = SnapshotStore(snapshot_root, make_driver(driver, snapshot_root, mounter))
        self.store = ImageStore(os.path.join(data_root, "images"))
        self.events = events
        self._users = users  # None: no containers (tools working on a data root's images alone)
        self._lock = threading.RLock()
        self._configs: dict[str, dict[str, Any]] = {}
        self._pinned: Counter[str] = Counter()

    @contextmanager
    def pinned(self, chains: list[str]):
        """Keep layers an in-flight load or import relies on from being collected meanwhile."""
        with self._lock:
            self._pinned.update(chains)
        try:
            yield
        finally:
            with self._lock:
                self._pinned.subtract(chains)
                self._pinned += Counter()  # drop zero counts

    def references(self) -> tuple[set[str], set[str]]:
        """(blob digests, layer chain IDs) that images and in-flight operations refer to."""
        with self._lock:
            records = self.store.all()
            blobs = {r.id for r in records} | {d for r in records for d in r.diff_ids} | set(self._pinned)
            chains = {c for r in records for c in digests.chain_ids(r.diff_ids)} | set(self._pinned)
        return blobs, chains

    def layer_from_snapshot(self, key: str, parent_chain: str | None, unmounted: bool = False) -> Layer:
        """The changes of a container's (or build step's) snapshot as a layer on
        `parent_chain`: unpacked as its tar is written, keeping a tar split where layers stand
        alone (else its tar stored as a blob). `unmounted`: the snapshot is no longer mounted
        and goes next, so its changes may become the layer (its tar then stored as a blob)."""
        if not unmounted and self.snapshots.layers_stand_alone:
            return self.snapshots.commit(key, parent_chain, None)
        writer = self.content.writer()
        try:
            if unmounted:
                layer = self.snapshots.commit_unmounted(key, parent_chain, writer)
            else:
                layer = self.snapshots.commit(key, parent_chain, tee=writer)
            writer.commit(layer.diff_id)
        finally:
            writer.abort()
        return layer

    def in_use(self, image_id: str) -> list[str]:
        """IDs of the containers that use an image."""
        return self._users.using_image(image_id) if self._users is not None else []

    def is_running(self, container_id: str) -> bool:
        return self._users is not None and self._users.is_running(container_id)

    def emit(self, action: str, actor: str, attributes: dict[str, str] | None = None) -> None:
        if self.events is not None:
            self.events.emit("image", action, actor, attributes or {})

    # ---- reading -------------------------------------------------------------------------

    def resolve(self, name: str) -> ImageRecord:
        return self.store.get(self.store.resolve(name))

    def count(self) -> int:
        return len(self.store.images)

    def config(self, image_id: str) -> dict[str, Any]:
        cached = self._configs.get(image_id)
        if cached is None:
            cached = json.loads(self.content.read(image_id))
            self._configs[image_id] = cached
        return cached

    def config_bytes(self, image_id: str) -> bytes:
        return self.content.read(image_id)

    def tags(self, image_id: str) -> list[Reference]:
        return [reference.parse(r) for r in self.store.refs_of(image_id)]

    def list_images(self, all_: bool = False, filters: dict[str, list[str]] | None = None,
                    api_version: tuple[int, int] = (1, 41)) -> list[dict[str, Any]]:
        filters = filters or {}
        dangling = image_filters.dangling_value(filters)
        before = self._bound(filters.get("before"))
        since = self._bound(filters.get("since"))
        records = self.store.all()
        parents = {r.parent for r in records if r.parent}
        found = []
        for record in records:
            tags = self.tags(record.id)
            if not all_ and not tags and record.id in parents:
                continue  # an intermediate image of a local child
            if dangling is not None and dangling == bool(tags):
                continue
            config = self.config(record.id)
            labels = (config.get("config") or {}).get("Labels") or {}
            if "label" in filters and not image_filters.labels_match(labels, filters["label"]):
                continue
            if "reference" in filters:  # Docker lists only the tags that match
                tags = [t for t in tags if image_filters.reference_matches([t], filters["reference"])]
                if not tags:
                    continue
            if not image_filters.time_bound(views.created_unix(record), before, since):
                continue
            found.append(views.summary(record, config, tags, api_version))
        found.sort(key=lambda s: (s["Created"], s["Id"]), reverse=True)
        return found

    def _bound(self, names: list[str] | None) -> int | None:
        if not names:
            return None
        return views.created_unix(self.resolve(names[0]))

    def inspect(self, name: str, api_version: tuple[int, int] = (1, 41)) -> dict[str, Any]:
        record = self.resolve(name)
        graph = {"Name": self.snapshots.driver.name,
                 "Data": self.snapshots.graph_data(None, record.top_chain)}
        return views.inspect(record, self.config(record.id), self.tags(record.id), graph, api_version)

    def history(self, name: str) -> list[dict[str, Any]]:
        record = self.resolve(name)
        chain = []
        current: ImageRecord | None = record
        while current is not None:
            chain.append((current, self.config(current.id), self.tags(current.id)))
            current = self.store.images.get(current.parent) if current.parent else None
        sizes = [layer.size for layer in reversed(self.snapshots.chain(record.top_chain))]
        return views.history(chain, sizes)

    # ---- creating ------------------------------------------------------------------------

    def create_image(self, config_bytes: bytes, tags: Sequence[Reference] = (), parent: str = "",
                     repo_digests: Sequence[str] = ()) -> tuple[str, list[str]]:
        """Record an image whose layers are all unpacked; returns (id, refs moved off others)."""
        config = json.loads(config_bytes)
        diff_ids = config_diff_ids(config)
        chains = digests.chain_ids(diff_ids)
        missing = [c for c in chains if not self.snapshots.has(c)]
        if missing:
            raise InternalError(f"image layers missing from the layer store: {missing}")
        image_id = self.content.write(config_bytes, digests.sha256_digest(config_bytes))  # kept if there
        size = sum(self.snapshots.get(c).size for c in chains)
        with self._lock:
            existing = self.store.images.get(image_id)
            record = existing or ImageRecord(
                id=image_id, diff_ids=diff_ids, created=config.get("created", ""), size=size,
                parent=parent, added_ns=time.time_ns())
            record = replace(record, repo_digests=sorted({*record.repo_digests, *repo_digests}))
            if record != existing:   # an unchanged record (a cached rebuild's image) is not rewritten
                self.store.put(record)
            moved = [self._tag(record.id, ref) for ref in tags]
        return image_id, [m for m in moved if m]

    def _tag(self, image_id: str, ref: Reference, timed: bool = True) -> str | None:
        previous = self.store.set_tag(ref, image_id)
        if timed:
            record = self.store.get(image_id)
            self.store.put(replace(record, last_tag_time=format_rfc3339_nano(time.time_ns(), fixed=False)))
        self.emit("tag", image_id, {"name": ref.familiar()})
        return str(ref) if previous else None

    def tag(self, name: str, repo: str, tag: str | None, timed: bool = True) -> Reference:
        """`timed=False`: the image's LastTagTime stays (dockerd's BuildKit exporter names
        images without setting it; `docker tag` and the classic builder set it)."""
        record = self.resolve(name)
        ref = reference.parse_repository_tag(repo, tag)
        with self._lock:
            self._tag(record.id, ref, timed)
        return ref

    # ---- removing ------------------------------------------------------------------------

    def remove(self, name: str, force: bool = False, noprune: bool = False) -> list[dict[str, str]]:
        with self._lock:
            image_id = self.store.resolve(name)
            by_ref = rules.matched_reference(self.store, name, image_id)
            if by_ref is not None:
                return self._remove_reference(image_id, by_ref, force, noprune)
            return self._remove_by_id(image_id, force, noprune)

    def _remove_reference(self, image_id: str, ref: str, force: bool, noprune: bool) -> list[dict]:
        record = self.store.get(image_id)
        going = [ref, *rules.digests_going_with(self.store, image_id, ref)]
        remaining = len(self.store.refs_of(image_id)) + len(record.repo_digests) - len(going)
        users = self.in_use(image_id)
        rules.refuse_last_reference(ref, image_id, remaining, users, force)
        results = [self._untag(image_id, r) for r in going]
        if remaining > 0 or any(self.is_running(u) for u in users):
            return results                # dockerd: a running container keeps the image, untagged
        return results + self._delete(image_id, noprune)

    def _remove_by_id(self, image_id: str, force: bool, noprune: bool) -> list[dict]:
        record = self.store.get(image_id)
        refs = self.store.refs_of(image_id) + list(record.repo_digests)
        users = self.in_use(image_id)
        rules.refuse_delete(image_id, refs, bool(self.store.children(image_id)), users,
                            [u for u in users if self.is_running(u)], force)
        # forced past stopped containers, as dockerd: they keep the layers they sit on
        return [self._untag(image_id, ref) for ref in refs] + self._delete(image_id, noprune)

    def _untag(self, image_id: str, ref: str) -> dict[str, str]:
        if "@" in ref:
            record = self.store.get(image_id)
            self.store.put(replace(record, repo_digests=[d for d in record.repo_digests if d != ref]))
        else:
            self.store.remove_tag(reference.parse(ref))
        self.emit("untag", image_id, {"name": rules.familiar(ref)})
        return {"Untagged": rules.familiar(ref)}

    def _delete(self, image_id: str, noprune: bool) -> list[dict[str, str]]:
        """Delete an untagged image, its unshared layers and (unless noprune) bare parents."""
        results = []
        while image_id:
            record = self.store.get(image_id)
            self.store.delete(image_id)
            self._configs.pop(image_id, None)
            self.emit("delete", image_id)
            results.append({"Deleted": image_id})
            results += self._collect_layers(record)
            self.content.delete(image_id)
            parent = record.parent
            if noprune or not parent or parent not in self.store.images:
                break
            if self.store.refs_of(parent) or self.store.children(parent) or self.in_use(parent):
                break
            image_id = parent
        return results

    def _collect_layers(self, record: ImageRecord) -> list[dict[str, str]]:
        """Remove the layers (and their tar blobs) no remaining image uses."""
        used_chains: set[str] = set()
        used_diffs: set[str] = set()
        for other in self.store.all():
            used_chains.update(digests.chain_ids(other.diff_ids))
            used_diffs.update(other.diff_ids)
        for diff_id in record.diff_ids:
            if diff_id not in used_diffs and diff_id not in self._pinned:
                self.content.delete(diff_id)
        return self._collect_chains(list(reversed(digests.chain_ids(record.diff_ids))), used_chains)

    def _collect_chains(self, chains: list[str], used: set[str] | None = None) -> list[dict[str, str]]:
        """Remove these layers, topmost first, unless an image uses them; stops at one a
        container's layer (or another layer) sits on."""
        if used is None:
            used = {c for other in self.store.all() for c in digests.chain_ids(other.diff_ids)}
        results = []
        for chain in chains:
            if chain in used or chain in self._pinned or not self.snapshots.has(chain):
                continue
            try:
                self.snapshots.remove_layer(chain)
            except Conflict:
                break  # a container's layer sits on it: keep it and everything below
            results.append({"Deleted": chain})
        return results

    def prune(self, filters: dict[str, list[str]] | None = None) -> dict[str, Any]:
        filters = filters or {}
        dangling = image_filters.dangling_value(filters)
        dangling = True if dangling is None else dangling
        until = until_filter(filters)
        until = None if until is None else until // 1_000_000_000
        deleted: list[dict[str, str]] = []
        reclaimed = 0
        with self._lock:
            changed = True
            while changed:
                changed = False
                for record in self.store.all():
                    if not rules.prunable(self.store, record, dangling, until, filters, self.in_use,
                                          self.config):
                        continue
                    before = self.layers_size()
                    deleted += [self._untag(record.id, r) for r in self.store.refs_of(record.id)]
                    deleted += self._delete(record.id, noprune=True)
                    reclaimed += before - self.layers_size()
                    changed = True
        self.emit("prune", "", {"reclaimed": str(reclaimed)})
        return {"ImagesDeleted": deleted or None, "SpaceReclaimed": reclaimed}

    def layers_size(self) -> int:
        return sum(layer.size for layer in self.snapshots.layers())

    # ---- container layers ----------------------------------------------------------------

    def prepare_container_layer(self, container_id: str, image_id: str | None, init: bool = True) -> list[Mount]:
        """A writable layer on top of the image (and, with `init`, dockerd's init layer between
        them); mount these (in order) as the container's rootfs."""
        top = self.store.get(image_id).top_chain if image_id else None
        return self.snapshots.prepare(container_id, top, init=init)

    def rootfs_mounts(self, container_id: str) -> list[Mount]:
        """The mounts of an existing container layer (e.g. after a daemon restart)."""
        return self.snapshots.mounts(container_id)

    def remove_container_layer(self, container_id: str) -> None:
        """Delete a container's writable layer (unmount it first), and the layers below it that
        no image has any more (its image was removed by force meanwhile)."""
        try:
            parent = self.snapshots.parent_of(container_id)
        except NotFound:    # none, or one a crash cut short before its metadata was written
            parent = None
        try:
            self.snapshots.remove(container_id)
        except NotFound:
            return
        if parent:
            with self._lock:
                self._collect_chains([layer.chain_id for layer in self.snapshots.chain(parent)])

    def container_graph_driver(self, container_id: str) -> dict[str, Any]:
        parent = self.snapshots.parent_of(container_id)
        return {"Name": self.snapshots.driver.name,
                "Data": self.snapshots.graph_data(container_id, parent)}

    def created_time(self, image_id: str) -> int:
        when = parse_created(self.store.get(image_id).created)
        return int(when.timestamp()) if when else 0
