"""A container's mounts from create to rm: what the container lifecycle calls.

In order (each a coroutine, on the event loop; `container` has .id, .config, .host_config):

    create  mounts = await plan_for_create(container, image_config, volumes_from=None)
                     → inspect `Mounts` (keep as container.mounts); volumes created and referenced
    start   oci = await mounts_for_start(container, rootfs)
                     → OCI `mounts` entries; the first start copies image content into new volumes
    stop    await after_stop(container)            (also after a failed start; repeatable)
    rm      await after_remove(container, remove_anonymous=rm_v)
    boot    adopt_containers(containers)           (once containers are loaded; they need .mounts)

Each container's resolved mounts are kept by `container_records`; volume references are rebuilt
from them at boot (or from the containers' own `mounts` where a crash lost ours). Callers that keep
plans themselves can use the steps underneath (prepare, copy_up, mount, unmount, release), but then
references last only until the daemon restarts.
"""

import asyncio
import os
import secrets
from dataclasses import replace
from pathlib import Path

from dockyard.errors import InvalidArgument
from dockyard.mounts.model import BIND, VOLUME, PlannedMount
from dockyard.mounts.oci import inspect_mounts, oci_mounts
from dockyard.mounts.plan import MountsLookup, plan_mounts
from dockyard.volumes import kernel
from dockyard.volumes.container_records import ContainerRecords
from dockyard.volumes.copy_up import copy_up, image_directory
from dockyard.volumes.model import TRANSIENT_USER
from dockyard.volumes.records import purge, purge_all


class ContainerMounts:
    def __init__(self, volumes, records_dir: Path, find_mounts: MountsLookup | None = None):
        self._volumes = volumes  # VolumeService
        self._records = ContainerRecords(records_dir)
        self._find_mounts = find_mounts  # container reference → its inspect `Mounts`, for `--volumes-from`
        self._restore_references()

    def _restore_references(self) -> None:
        """Volume references live in memory; the containers' mount records are their truth."""
        for container_id in self._records.ids():
            for mount in self._records.mounts(container_id) or []:
                volume = self._volumes.find(mount.source) if mount.type == VOLUME else None
                if volume is not None:
                    self._volumes.add_reference(volume, container_id)

    # ---- the lifecycle's calls ------------------------------------------------------------

    async def plan_for_create(self, container, image_config: dict | None,
                              volumes_from: MountsLookup | None = None) -> list[dict]:
        return self.inspect_mounts(await self._resolve(container, image_config, volumes_from))

    async def mounts_for_start(self, container, rootfs: str) -> list[dict]:
        """OCI mount entries, less `--tmpfs` ones: `oci.spec` renders `HostConfig.Tmpfs` itself."""
        return [entry for entry, mount in await self._start(container, rootfs) if mount.listed]

    async def _start(self, container, rootfs: str) -> list[tuple[dict, PlannedMount]]:
        mounts = self._records.mounts(container.id)
        if mounts is None:  # binds and tmpfs only, or a record lost: plan again (keeping volume names)
            mounts = await self._resolve(container, None, None)
        if not any(m.type == VOLUME for m in mounts):  # nothing to seed or unmount: no state to keep
            return list(zip(self.mount(container.id, mounts), mounts))
        state = self._records.state(container.id)
        if not state["seeded"]:
            await self.copy_up(mounts, rootfs)
        entries = self.mount(container.id, mounts)
        self._records.put_state(container.id, {"seeded": True, "mounted": True})
        return list(zip(entries, mounts))

    async def _resolve(self, container, image_config: dict | None,
                       volumes_from: MountsLookup | None) -> list[PlannedMount]:
        """Plan and prepare; kept when volumes or other containers are involved (binds and tmpfs
        are planned again at start, from the container's config alone)."""
        body = {**container.config, "HostConfig": container.host_config}
        plan = plan_mounts(body, image_config, volumes_from or self._find_mounts)
        resolved = self.prepare(container.id, _pin_names(plan, getattr(container, "mounts", None) or []))
        if any(m.type == VOLUME for m in resolved) or container.host_config.get("VolumesFrom"):
            try:
                self._records.put_mounts(container.id, resolved)
            except BaseException:
                await self.release(container.id, remove_anonymous=True)
                raise
        return resolved

    async def after_stop(self, container) -> None:
        state = self._records.state(container.id)
        if state["mounted"]:
            self.unmount(container.id, self._records.mounts(container.id) or [])
            self._records.put_state(container.id, {**state, "mounted": False})

    async def after_remove(self, container, remove_anonymous: bool = False) -> list[str]:
        await self.after_stop(container)
        removed = await self.release(container.id, remove_anonymous)
        self._records.delete(container.id)
        return removed

    def adopt_containers(self, containers) -> None:
        """At boot, with every container loaded: their volumes are in use again (from their own
        inspect `Mounts` should a crash have lost our record), nobody else's are."""
        recorded = self._records.ids()
        for container in containers:
            if container.id in recorded:
                continue
            for mount in container.mounts or []:
                volume = self._volumes.find(mount.get("Name") or "") if mount.get("Type") == VOLUME else None
                if volume is not None:
                    self._volumes.add_reference(volume, container.id)
        self.forget_containers_except({c.id for c in containers})

    def forget_containers_except(self, live_ids: set[str]) -> None:
        """At boot: containers that are gone stop holding volumes (and their mounts)."""
        recorded = self._records.ids()
        users = set()
        for volume in self._volumes.list_volumes():
            users |= volume.references | {u for u in volume.mounted_by if not u.startswith(TRANSIENT_USER)}
        stale = (recorded | users) - set(live_ids)
        if stale:
            self._volumes.drop_references(stale)
        for container_id in stale & recorded:
            self._records.delete(container_id)

    # ---- the steps underneath -------------------------------------------------------------

    def prepare(self, container_id: str, plan: list[PlannedMount]) -> list[PlannedMount]:
        """Check `--mount` bind sources, create volumes, reference them; volumes all named.
        On error nothing is left behind."""
        for mount in plan:
            if mount.type == BIND and not mount.create_source:
                _require_bind_source(mount.source)
        created, referenced, resolved = [], [], []
        with self._volumes.lock:
            try:
                for mount in plan:
                    if mount.type == VOLUME:
                        volume, new = self._volumes.volume_for(mount)
                        created += [volume] if new else []
                        if container_id not in volume.references:
                            referenced.append(volume)
                            self._volumes.add_reference(volume, container_id)
                        mount = replace(mount, source=volume.name)
                    resolved.append(mount)
            except BaseException:
                for volume in referenced:  # only what this call added: a restart's re-plan keeps the rest
                    volume.references.discard(container_id)
                for volume in created:
                    if not volume.references:
                        purge(self._volumes.trash(volume, durable=False))  # new and empty: quick
                raise
        return resolved

    def inspect_mounts(self, mounts: list[PlannedMount]) -> list[dict]:
        return inspect_mounts(mounts, self._volumes.path)

    async def copy_up(self, mounts: list[PlannedMount], rootfs: str) -> None:
        """Seed new, empty volumes from the image (the rootfs's merged view), unless `nocopy`."""
        for mount in mounts:
            if mount.type == VOLUME and mount.copy_data and not mount.subpath:
                if image_directory(rootfs, mount.destination) is not None:  # else spare the thread
                    await asyncio.to_thread(self._copy_up_one, mount, rootfs)

    def _copy_up_one(self, mount: PlannedMount, rootfs: str) -> None:
        volume = self._volumes.get(mount.source)
        user = TRANSIENT_USER + secrets.token_hex(4)
        if volume.device_backed:
            self._volumes.mount_device(volume, user)
        try:
            copy_up(rootfs, mount.destination, self._volumes.path(volume.name))
        finally:
            if volume.device_backed:
                self._volumes.unmount_device(volume, {user})

    def mount(self, container_id: str, mounts: list[PlannedMount]) -> list[dict]:
        """Create `-v` bind sources, mount device-backed volumes, check subpaths; OCI entries."""
        mounted: list[PlannedMount] = []
        try:
            for mount in mounts:
                if mount.type == BIND:
                    _ensure_bind_source(mount)
                    _check_propagation(mount)
                elif mount.type == VOLUME:
                    volume = self._volumes.get(mount.source)
                    if volume.device_backed:
                        self._volumes.mount_device(volume, container_id)
                    mounted.append(mount)
                    _check_subpath(self._volumes.path(mount.source), mount.subpath)
        except BaseException:
            self._unmount_devices(container_id, mounted)
            raise
        for mount in mounted:
            self._volumes.events.emit("volume", "mount", mount.source, {
                "container": container_id, "destination": mount.destination, "driver": "local",
                "propagation": mount.propagation, "read/write": str(not mount.read_only).lower()})
        return oci_mounts(mounts, self._volumes.path)

    def unmount(self, container_id: str, mounts: list[PlannedMount]) -> None:
        """The container's processes are gone: let go of device-backed mounts."""
        volumes = [m for m in mounts if m.type == VOLUME]
        self._unmount_devices(container_id, volumes)
        for mount in volumes:
            self._volumes.events.emit("volume", "unmount", mount.source, {"container": container_id, "driver": "local"})

    async def release(self, container_id: str, remove_anonymous: bool = False) -> list[str]:
        """The container no longer uses its volumes; with `rm -v` its anonymous volumes nobody
        else uses are removed (named ones never are). Returns the names removed."""
        with self._volumes.lock:
            used = self._volumes.drop_references({container_id})
            doomed = [v for v in used if remove_anonymous and v.anonymous and not v.references]
            trashes = [self._volumes.trash(v, durable=False) for v in doomed]
        if trashes:
            await purge_all(trashes)
        return [v.name for v in doomed]

    def _unmount_devices(self, container_id: str, mounts: list[PlannedMount]) -> None:
        for mount in mounts:
            volume = self._volumes.find(mount.source)
            if volume is not None and volume.device_backed:
                self._volumes.unmount_device(volume, {container_id})


def _pin_names(plan: list[PlannedMount], known: list[dict]) -> list[PlannedMount]:
    """Planning again for a container that has inspect `Mounts`: its anonymous volumes keep their names."""
    names = {m["Destination"]: m.get("Name") for m in known if m.get("Type") == VOLUME}
    return [replace(m, source=name) if m.anonymous and (name := names.get(m.destination)) else m
            for m in plan]


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


def _check_propagation(mount: PlannedMount) -> None:
    """Shared or slave binds need a host mount that propagates, as dockerd insists."""
    if mount.propagation in ("shared", "rshared"):
        point, kinds = kernel.propagation_of(mount.source)
        if "shared" not in kinds:
            raise InvalidArgument(f"path {mount.source} is mounted on {point} but it is not a shared mount")
    elif mount.propagation in ("slave", "rslave"):
        point, kinds = kernel.propagation_of(mount.source)
        if not kinds & {"shared", "master"}:
            raise InvalidArgument(f"path {mount.source} is mounted on {point} but it is not a shared or slave mount")


def _check_subpath(volume_path: str, subpath: str) -> None:
    if not subpath:
        return
    base = os.path.realpath(volume_path)
    target = os.path.realpath(os.path.join(base, subpath))
    if target != base and not target.startswith(base + "/"):
        raise InvalidArgument(f"subpath {subpath} is not within the volume")
    if not os.path.exists(target):
        raise InvalidArgument(f"cannot access path {target}: no such file or directory")
