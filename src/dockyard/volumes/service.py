"""The volume service: the local driver's volumes, their users, and the mounts of containers.

Call its methods on the event loop; the ones that may take long (deleting content, copy-up,
sizes) are coroutines that do their file work in a thread. Events: volume create, destroy,
prune, and mount/unmount when a container starts and stops.
"""

import asyncio
import logging
import os
import secrets
import threading
from dataclasses import replace
from pathlib import Path

from dockyard.errors import Conflict, InternalError, InvalidArgument, NotFound
from dockyard.mounts.model import BIND, VOLUME, PlannedMount
from dockyard.mounts.oci import inspect_mounts, oci_mounts
from dockyard.volumes import kernel
from dockyard.volumes.copy_up import copy_up
from dockyard.volumes.filters import list_predicate, prune_predicate
from dockyard.volumes.model import ANONYMOUS_LABEL, Volume, now_rfc3339, volume_json
from dockyard.volumes.names import anonymous_name, check_name
from dockyard.volumes.options import check_options
from dockyard.volumes.records import DATA, VolumeDirectory
from dockyard.volumes.removal import remove_tree
from dockyard.volumes.size import tree_size

log = logging.getLogger(__name__)

_COPY_UP_USER = "copy-up-"  # transient users of a device-backed volume's mount


class VolumeService:
    def __init__(self, data_root: Path, events, mounter=None):
        self._store = VolumeDirectory(Path(data_root) / "volumes")
        self._events = events
        self._mounter = mounter or kernel.LibcMounter()
        self._lock = threading.RLock()
        self._volumes = {v.name: v for v in self._store.load_all()}
        self._reconcile_device_mounts()

    # ---- the volume API -------------------------------------------------------------------

    def path(self, name: str) -> str:
        """The mountpoint: `<data-root>/volumes/<name>/_data`."""
        return str(self._store.data_path(name))

    def get(self, name: str) -> Volume:
        volume = self._volumes.get(name)
        if volume is None:
            raise NotFound(f"get {name}: no such volume")
        return volume

    def to_json(self, volume: Volume) -> dict:
        return volume_json(volume, self.path(volume.name))

    def create(self, name: str | None = None, driver: str | None = "local",
               options: dict[str, str] | None = None, labels: dict[str, str] | None = None) -> Volume:
        """A new volume, or the existing one of that name (create is idempotent)."""
        if driver not in (None, "", "local"):
            raise NotFound(f'error looking up volume plugin {driver}: plugin "{driver}" not found')
        with self._lock:
            if name and name in self._volumes:
                return self._volumes[name]
            if name:
                check_name(name)
            name = name or anonymous_name()
            try:
                check_options(options)
            except InvalidArgument as err:
                raise InvalidArgument(f"create {name}: {err}") from None
            volume = Volume(name, now_rfc3339(), None if labels is None else dict(labels),
                            None if options is None else dict(options))
            self._store.create(volume)
            self._volumes[name] = volume
            self._events.emit("volume", "create", name, {"driver": "local"})
        return volume

    def list_volumes(self, filters: dict[str, list[str]] | None = None) -> list[Volume]:
        wanted = list_predicate(filters or {})
        return sorted((v for v in self._volumes.values() if wanted(v)), key=lambda v: v.name)

    async def remove(self, name: str, force: bool = False) -> None:
        """Delete a volume no container uses; `force` only forgives a missing one, as dockerd's."""
        with self._lock:
            if name not in self._volumes and force:
                return
            trash = self._trash(self.get(name))
        await asyncio.to_thread(_purge, trash)

    async def prune(self, filters: dict[str, list[str]], api_version: tuple[int, int]) -> tuple[list[str], int]:
        """Remove unused volumes (anonymous ones unless `all`): names removed, bytes reclaimed."""
        doomed = prune_predicate(filters, api_version)
        with self._lock:
            trashes = [(v.name, self._trash(v)) for v in self.list_volumes() if doomed(v)]
        reclaimed = await asyncio.to_thread(lambda: sum(_purge(path) for _, path in trashes))
        self._events.emit("volume", "prune", "", {"reclaimed": str(reclaimed)})
        return [name for name, _ in trashes], reclaimed

    async def usage(self) -> list[dict]:
        """Volumes with `UsageData` {Size, RefCount}, for `GET /system/df`."""
        volumes = self.list_volumes()
        sizes = await asyncio.to_thread(lambda: [tree_size(self.path(v.name)) for v in volumes])
        return [{**self.to_json(v), "UsageData": {"Size": size, "RefCount": len(v.references)}}
                for v, size in zip(volumes, sizes)]

    def _trash(self, volume: Volume) -> Path:
        if volume.references:
            users = ", ".join(sorted(volume.references))
            raise Conflict(f"remove {volume.name}: volume is in use - [{users}]")
        if volume.device_backed and kernel.is_mounted(self.path(volume.name)):
            self._mounter.umount2(self.path(volume.name), kernel.MNT_DETACH)
        trash = self._store.trash(volume.name)
        del self._volumes[volume.name]
        self._events.emit("volume", "destroy", volume.name, {"driver": "local"})
        return trash

    # ---- what the container lifecycle calls -----------------------------------------------

    def prepare(self, container_id: str, plan: list[PlannedMount]) -> list[PlannedMount]:
        """At create: check bind sources, create volumes, record the container as their user.

        Returns the plan with every volume named; keep it with the container. On error nothing
        is left behind."""
        for mount in plan:
            if mount.type == BIND and not mount.create_source:
                _require_bind_source(mount.source)
        created: list[Volume] = []
        resolved = []
        with self._lock:
            try:
                for mount in plan:
                    if mount.type == VOLUME:
                        volume = self._volume_for(mount, created)
                        self._add_reference(volume, container_id)
                        mount = replace(mount, source=volume.name)
                    resolved.append(mount)
            except BaseException:
                self._undo_prepare(container_id, created)
                raise
        return resolved

    def inspect_mounts(self, mounts: list[PlannedMount]) -> list[dict]:
        """Container inspect / `docker ps` `Mounts` for the resolved mounts."""
        return inspect_mounts(mounts, self.path)

    async def copy_up(self, mounts: list[PlannedMount], rootfs: str) -> None:
        """At create, once the rootfs (merged view) exists: seed empty volumes from the image."""
        for mount in mounts:
            if mount.type == VOLUME and mount.copy_data and not mount.subpath:
                await asyncio.to_thread(self._copy_up_one, mount, rootfs)

    def mount(self, container_id: str, mounts: list[PlannedMount]) -> list[dict]:
        """At start: create `-v` bind sources, mount device-backed volumes; OCI mount entries."""
        mounted: list[PlannedMount] = []
        try:
            for mount in mounts:
                if mount.type == BIND:
                    _ensure_bind_source(mount)
                elif mount.type == VOLUME:
                    volume = self.get(mount.source)
                    if volume.device_backed:
                        self._mount_device(volume, container_id)
                    mounted.append(mount)
                    _check_subpath(self.path(mount.source), mount.subpath)
        except BaseException:
            self._unmount_devices(container_id, mounted)
            raise
        for mount in mounted:
            self._events.emit("volume", "mount", mount.source, {
                "container": container_id, "destination": mount.destination, "driver": "local",
                "propagation": mount.propagation, "read/write": str(not mount.read_only).lower()})
        return oci_mounts(mounts, self.path)

    def unmount(self, container_id: str, mounts: list[PlannedMount]) -> None:
        """At stop (the container's processes are gone): let go of device-backed mounts."""
        volumes = [m for m in mounts if m.type == VOLUME]
        self._unmount_devices(container_id, volumes)
        for mount in volumes:
            self._events.emit("volume", "unmount", mount.source, {"container": container_id, "driver": "local"})

    async def release(self, container_id: str, remove_anonymous: bool = False) -> list[str]:
        """At rm: the container stops using its volumes; with `rm -v`, its anonymous volumes that
        nobody else uses are removed (named ones never are). Returns the names removed."""
        trashes = []
        with self._lock:
            for volume in list(self._volumes.values()):
                if container_id not in volume.references and container_id not in volume.mounted_by:
                    continue
                self._unmount_devices_of(volume, {container_id})
                volume.references.discard(container_id)
                self._store.save(volume)
                if remove_anonymous and volume.anonymous and not volume.references:
                    trashes.append((volume.name, self._trash(volume)))
        if trashes:
            await asyncio.to_thread(lambda: [_purge(path) for _, path in trashes])
        return [name for name, _ in trashes]

    def forget_containers_except(self, live_ids: set[str]) -> None:
        """After a restart: drop references held by containers that no longer exist."""
        with self._lock:
            for volume in self._volumes.values():
                users = {u for u in volume.mounted_by if not u.startswith(_COPY_UP_USER)}
                stale = (volume.references | users) - live_ids
                if stale:
                    self._unmount_devices_of(volume, stale)
                    volume.references -= stale
                    self._store.save(volume)

    # ---- internals ------------------------------------------------------------------------

    def _volume_for(self, mount: PlannedMount, created: list[Volume]) -> Volume:
        if mount.inherited or (mount.source and mount.source in self._volumes):
            return self.get(mount.source)
        labels = dict(mount.volume_labels) or None
        if mount.anonymous:
            labels = {**(labels or {}), ANONYMOUS_LABEL: ""}
        volume = self.create(mount.source or None, mount.driver, mount.volume_options or None, labels)
        created.append(volume)
        return volume

    def _add_reference(self, volume: Volume, container_id: str) -> None:
        if container_id not in volume.references:
            volume.references.add(container_id)
            self._store.save(volume)

    def _undo_prepare(self, container_id: str, created: list[Volume]) -> None:
        for volume in self._volumes.values():
            if container_id in volume.references:
                volume.references.discard(container_id)
                self._store.save(volume)
        for volume in created:
            if not volume.references:
                _purge(self._trash(volume))  # new and empty: quick

    def _copy_up_one(self, mount: PlannedMount, rootfs: str) -> None:
        volume = self.get(mount.source)
        user = _COPY_UP_USER + secrets.token_hex(4)
        if volume.device_backed:
            self._mount_device(volume, user)
        try:
            copy_up(rootfs, mount.destination, self.path(volume.name))
        finally:
            if volume.device_backed:
                self._unmount_devices_of(volume, {user})

    def _mount_device(self, volume: Volume, user: str) -> None:
        with self._lock:
            if not volume.mounted_by and not kernel.is_mounted(self.path(volume.name)):
                options = volume.options or {}
                try:
                    kernel.mount_filesystem(self._mounter, options.get("device", ""), self.path(volume.name),
                                            options.get("type", ""), options.get("o", ""))
                except OSError as err:
                    raise InternalError(f"error while mounting volume '{self.path(volume.name)}': "
                                        f"failed to mount local volume: {err.strerror}") from None
            volume.mounted_by.add(user)
            self._store.save(volume)

    def _unmount_devices(self, container_id: str, mounts: list[PlannedMount]) -> None:
        for mount in mounts:
            volume = self._volumes.get(mount.source)
            if volume is not None and volume.device_backed:
                self._unmount_devices_of(volume, {container_id})

    def _unmount_devices_of(self, volume: Volume, users: set[str]) -> None:
        with self._lock:
            if not volume.mounted_by & users:
                return
            volume.mounted_by -= users
            self._store.save(volume)
            path = self.path(volume.name)
            if not volume.mounted_by and kernel.is_mounted(path):
                self._mounter.umount2(path, kernel.MNT_DETACH)

    def _reconcile_device_mounts(self) -> None:
        """After a crash or reboot, make `mounted_by` and the kernel's mounts agree again."""
        mounted = set(kernel.mount_points())
        for volume in self._volumes.values():
            if not volume.device_backed:
                continue
            path = os.path.realpath(self.path(volume.name))
            users = {u for u in volume.mounted_by if not u.startswith(_COPY_UP_USER)}
            if path not in mounted:
                users = set()
            elif not users:
                self._unmount_quietly(path)
            if users != volume.mounted_by:
                volume.mounted_by = users
                self._store.save(volume)

    def _unmount_quietly(self, path: str) -> None:
        try:
            self._mounter.umount2(path, kernel.MNT_DETACH)
        except OSError as err:
            log.error("could not unmount the stale volume mount %s: %s", path, err)


def _purge(trash: Path) -> int:
    """Delete a trashed volume; the bytes its content held (the record does not count)."""
    freed = remove_tree(trash / DATA)
    remove_tree(trash)
    return freed


def _bind_missing(source: str) -> InvalidArgument:
    return InvalidArgument(f'invalid mount config for type "bind": bind source path does not exist: {source}')


def _require_bind_source(source: str) -> None:
    if not os.path.lexists(source):
        raise _bind_missing(source)


def _ensure_bind_source(mount: PlannedMount) -> None:
    if os.path.lexists(mount.source):
        return
    if not mount.create_source:
        raise _bind_missing(mount.source)
    os.makedirs(mount.source, 0o755, exist_ok=True)


def _check_subpath(volume_path: str, subpath: str) -> None:
    if not subpath:
        return
    base = os.path.realpath(volume_path)
    target = os.path.realpath(os.path.join(base, subpath))
    if target != base and not target.startswith(base + "/"):
        raise InvalidArgument(f"subpath {subpath} is not within the volume")
    if not os.path.exists(target):
        raise InvalidArgument(f"cannot access path {target}: no such file or directory")
