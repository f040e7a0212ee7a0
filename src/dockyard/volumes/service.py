"""The volume service: the local driver's volumes, their users, and device-backed mounts.

Call its methods on the event loop; the ones that may take long (deleting content, sizes) are
coroutines that do their file work in a thread. Events: volume create, destroy, prune (here) and
mount/unmount (in `containers`). What the container lifecycle calls is `self.containers`
(`ContainerMounts`); its lifecycle methods are also reachable here, by the same names.
"""

import asyncio
import logging
import os
import threading
from pathlib import Path

from dockyard.disk.usage import tree_size
from dockyard.errors import Conflict, InternalError, InvalidArgument, NotFound
from dockyard.mounts.model import PlannedMount
from dockyard.mounts.plan import MountsLookup
from dockyard.syscalls.linux import LinuxSyscalls
from dockyard.syscalls.protocol import Syscalls
from dockyard.syscalls import constants as c
from dockyard.volumes import kernel
from dockyard.volumes.containers import ContainerMounts
from dockyard.volumes.filters import list_predicate, prune_predicate
from dockyard.volumes.model import ANONYMOUS_LABEL, TRANSIENT_USER, Volume, now_rfc3339, volume_json
from dockyard.volumes.names import anonymous_name, check_name
from dockyard.volumes.options import check_options
from dockyard.volumes.records import VolumeDirectory, purge_all

log = logging.getLogger(__name__)


class VolumeService:
    def __init__(self, data_root: Path, events, syscalls: Syscalls | None = None,
                 mounts_of: MountsLookup | None = None):
        """`mounts_of`: a container's inspect `Mounts` by name or ID, for `--volumes-from`."""
        self._store = VolumeDirectory(Path(data_root) / "volumes")
        self.events = events
        self._sys = syscalls if syscalls is not None else LinuxSyscalls()
        self.lock = threading.RLock()
        self._volumes = {v.name: v for v in self._store.load_all()}
        self._reconcile_device_mounts()
        self.containers = ContainerMounts(self, Path(data_root) / "volumes" / ".containers", mounts_of)

    # ---- the volume API -------------------------------------------------------------------

    def path(self, name: str) -> str:
        """The mountpoint: `<data-root>/volumes/<name>/_data`."""
        return str(self._store.data_path(name))

    def get(self, name: str) -> Volume:
        volume = self._volumes.get(name)
        if volume is None:
            raise NotFound(f"get {name}: no such volume")
        return volume

    def find(self, name: str) -> Volume | None:
        return self._volumes.get(name)

    def to_json(self, volume: Volume) -> dict:
        return volume_json(volume, self.path(volume.name))

    def create(self, name: str | None = None, driver: str | None = "local", options: dict[str, str] | None = None,
               labels: dict[str, str] | None = None, durable: bool = True) -> Volume:
        """A new volume, or the existing one of that name (create is idempotent)."""
        if driver not in (None, "", "local"):
            raise NotFound(f'error looking up volume plugin {driver}: plugin "{driver}" not found')
        with self.lock:
            if name and name in self._volumes:
                return self._volumes[name]
            if name:
                check_name(name)
            else:  # unnamed is anonymous, whoever asks (as dockerd ≥ 23): prune takes it by default
                name, labels = anonymous_name(), {**(labels or {}), ANONYMOUS_LABEL: ""}
            try:
                check_options(options)
            except InvalidArgument as err:
                raise InvalidArgument(f"create {name}: {err}") from None
            volume = Volume(name, now_rfc3339(), None if labels is None else dict(labels),
                            None if options is None else dict(options))
            self._store.create(volume, durable)
            self._volumes[name] = volume
            self.events.emit("volume", "create", name, {"driver": "local"})
        return volume

    def list_volumes(self, filters: dict[str, list[str]] | None = None) -> list[Volume]:
        wanted = list_predicate(filters or {})
        return sorted((v for v in self._volumes.values() if wanted(v)), key=lambda v: v.name)

    async def remove(self, name: str, force: bool = False) -> None:
        """Delete a volume no container uses; `force` only forgives a missing one, as dockerd's."""
        with self.lock:
            if name not in self._volumes and force:
                return
            trash = self.trash(self.get(name))
        await purge_all([trash])

    async def prune(self, filters: dict[str, list[str]], api_version: tuple[int, int]) -> tuple[list[str], int]:
        """Remove unused volumes (anonymous ones unless `all`): names removed, bytes reclaimed."""
        doomed = prune_predicate(filters, api_version)
        with self.lock:
            trashes = [(v.name, self.trash(v)) for v in self.list_volumes() if doomed(v)]
        reclaimed = await purge_all([path for _, path in trashes])
        self.events.emit("volume", "prune", "", {"reclaimed": str(reclaimed)})
        return [name for name, _ in trashes], reclaimed

    async def usage(self) -> list[dict]:
        """Volumes with `UsageData` {Size, RefCount}, for `GET /system/df`; like dockerd, only
        those without mount options (a tmpfs or bind-backed volume holds no local space)."""
        volumes = [v for v in self.list_volumes() if not v.options]
        sizes = await asyncio.to_thread(lambda: [tree_size(self.path(v.name)) for v in volumes])
        return [{**self.to_json(v), "UsageData": {"Size": size, "RefCount": len(v.references)}}
                for v, size in zip(volumes, sizes)]

    def trash(self, volume: Volume, durable: bool = True) -> Path:
        """Take an unused volume out of sight (its content is deleted by `purge`)."""
        if volume.references:
            users = ", ".join(sorted(volume.references))
            raise Conflict(f"remove {volume.name}: volume is in use - [{users}]")
        if volume.device_backed and kernel.is_mounted(self.path(volume.name)):
            self._unmount_quietly(self.path(volume.name))
        trash = self._store.trash(volume.name, durable)
        del self._volumes[volume.name]
        self.events.emit("volume", "destroy", volume.name, {"driver": "local"})
        return trash

    # ---- users: references by containers, mounts of device-backed volumes ----------------

    def volume_for(self, mount: PlannedMount) -> tuple[Volume, bool]:
        """The volume a planned mount names (created if need be); True if it was created."""
        if mount.inherited or (mount.source and mount.source in self._volumes):
            return self.get(mount.source), False
        labels = dict(mount.volume_labels) or None
        if mount.anonymous:  # also when its name is pinned by an earlier create (see `containers`)
            labels = {**(labels or {}), ANONYMOUS_LABEL: ""}
        return self.create(mount.source or None, mount.driver, mount.volume_options or None, labels,
                           durable=False), True

    def add_reference(self, volume: Volume, container_id: str) -> None:
        """In memory: the container's mount record (see `containers`) is what makes it durable."""
        volume.references.add(container_id)

    def drop_references(self, container_ids: set[str]) -> list[Volume]:
        """Forget these containers as users of every volume; the volumes they used."""
        touched = []
        with self.lock:
            for volume in self._volumes.values():
                if volume.references & container_ids or volume.mounted_by & container_ids:
                    self.unmount_device(volume, container_ids)
                    volume.references -= container_ids
                    touched.append(volume)
        return touched

    def mount_device(self, volume: Volume, user: str) -> None:
        """Mount a device-backed volume at its mountpoint unless it is; count `user` as using it."""
        with self.lock:
            path = self.path(volume.name)
            if not volume.mounted_by and not kernel.is_mounted(path):
                options = volume.options or {}
                try:
                    kernel.mount_filesystem(self._sys, options.get("device", ""), path,
                                            options.get("type", ""), options.get("o", ""))
                except OSError as err:
                    raise InternalError(f"error while mounting volume '{path}': "
                                        f"failed to mount local volume: {err.strerror}") from None
            volume.mounted_by.add(user)
            if not user.startswith(TRANSIENT_USER):
                self._store.save(volume)

    def unmount_device(self, volume: Volume, users: set[str]) -> None:
        """These users are done with the mount; the last one out unmounts it."""
        with self.lock:
            if not volume.mounted_by & users:
                return
            volume.mounted_by -= users
            self._store.save(volume)
            path = self.path(volume.name)
            if not volume.mounted_by and kernel.is_mounted(path):
                self._unmount_quietly(path)

    def _reconcile_device_mounts(self) -> None:
        """After a crash or reboot, make `mounted_by` and the kernel's mounts agree again."""
        mounted = set(kernel.mount_points())
        for volume in self._volumes.values():
            if not volume.device_backed:
                continue
            path = os.path.realpath(self.path(volume.name))
            users = {u for u in volume.mounted_by if not u.startswith(TRANSIENT_USER)}
            if path not in mounted:
                users = set()
            elif not users:
                self._unmount_quietly(path)
            if users != volume.mounted_by:
                volume.mounted_by = users
                self._store.save(volume)

    def _unmount_quietly(self, path: str) -> None:
        try:
            self._sys.umount2(path, c.MNT_DETACH)
        except OSError as err:
            log.error("could not unmount the volume mount %s: %s", path, err)

    # ---- the container lifecycle's calls (see `containers.ContainerMounts`) ----------------

    async def plan_for_create(self, container, image_config: dict | None, volumes_from=None) -> list[dict]:
        return await self.containers.plan_for_create(container, image_config, volumes_from)

    async def mounts_for_start(self, container, rootfs: str) -> list[dict]:
        return await self.containers.mounts_for_start(container, rootfs)

    async def after_stop(self, container) -> None:
        await self.containers.after_stop(container)

    async def after_remove(self, container, remove_anonymous: bool = False) -> list[str]:
        return await self.containers.after_remove(container, remove_anonymous)

    def forget_containers_except(self, live_ids: set[str]) -> None:
        self.containers.forget_containers_except(live_ids)

    def adopt_containers(self, containers) -> None:
        self.containers.adopt_containers(containers)
