"""A container's mounts from create to rm: what the container lifecycle calls.

In order (each a coroutine, on the event loop; `container` has .id, .config, .host_config):

    create  mounts = await plan_for_create(container, image_config, volumes_from=None)
                     → inspect `Mounts` (keep as container.mounts); volumes created and referenced
    start   oci = await mounts_for_start(container, rootfs)
                     → OCI `mounts` entries; the first start copies image content into new volumes
    stop    await after_stop(container)            (also after a failed start; repeatable)
    rm      await after_remove(container, remove_anonymous=rm_v)
    boot    forget_containers_except(live_ids)     (once containers are loaded)

The resolved plan of each container is kept in `<data-root>/volumes/.containers/<id>.json`.
Callers that keep plans themselves can use the steps underneath: prepare, copy_up, mount,
unmount, release.
"""

import asyncio
import json
import os
import secrets
from dataclasses import replace
from pathlib import Path

from dockyard.errors import InvalidArgument
from dockyard.mounts.model import BIND, VOLUME, PlannedMount, mounts_from_json, mounts_to_json
from dockyard.mounts.oci import inspect_mounts, oci_mounts
from dockyard.mounts.plan import MountsLookup, plan_mounts
from dockyard.volumes import kernel
from dockyard.volumes.copy_up import copy_up
from dockyard.volumes.model import TRANSIENT_USER
from dockyard.volumes.records import purge, write_atomic


class ContainerMounts:
    def __init__(self, volumes, records_dir: Path):
        self._volumes = volumes  # VolumeService
        self._records = records_dir
        records_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        # container reference → its inspect `Mounts`, for `--volumes-from` (set by the composer)
        self.find_mounts: MountsLookup | None = None

    # ---- the lifecycle's calls ------------------------------------------------------------

    async def plan_for_create(self, container, image_config: dict | None,
                              volumes_from: MountsLookup | None = None) -> list[dict]:
        body = {**container.config, "HostConfig": container.host_config}
        resolved = self.prepare(container.id, plan_mounts(body, image_config, volumes_from or self.find_mounts))
        if not resolved:
            return []  # nothing to keep: the common case costs no write
        try:
            self._save(container.id, {"mounts": mounts_to_json(resolved), "seeded": False, "mounted": False})
        except BaseException:
            await self.release(container.id, remove_anonymous=True)
            raise
        return self.inspect_mounts(resolved)

    async def mounts_for_start(self, container, rootfs: str) -> list[dict]:
        record = self._load(container.id)
        if record is None:  # no mounts, or created before volumes were wired in: plan again
            await self.plan_for_create(container, None)
            record = self._load(container.id)
            if record is None:
                return []
        mounts = mounts_from_json(record["mounts"])
        if not record["seeded"]:
            await self.copy_up(mounts, rootfs)
            record["seeded"] = True
        entries = self.mount(container.id, mounts)
        record["mounted"] = True
        self._save(container.id, record)
        return entries

    async def after_stop(self, container) -> None:
        record = self._load(container.id)
        if record is not None and record["mounted"]:
            self.unmount(container.id, mounts_from_json(record["mounts"]))
            record["mounted"] = False
            self._save(container.id, record)

    async def after_remove(self, container, remove_anonymous: bool = False) -> list[str]:
        await self.after_stop(container)
        removed = await self.release(container.id, remove_anonymous)
        self._delete(container.id)
        return removed

    def forget_containers_except(self, live_ids: set[str]) -> None:
        """At boot: containers that are gone stop holding volumes (and their mounts)."""
        recorded = {name.removesuffix(".json") for name in os.listdir(self._records) if name.endswith(".json")}
        users = set()
        for volume in self._volumes.list_volumes():
            users |= volume.references | {u for u in volume.mounted_by if not u.startswith(TRANSIENT_USER)}
        stale = (recorded | users) - set(live_ids)
        if stale:
            self._volumes.drop_references(stale)
        for container_id in stale & recorded:
            self._delete(container_id)

    # ---- the steps underneath -------------------------------------------------------------

    def prepare(self, container_id: str, plan: list[PlannedMount]) -> list[PlannedMount]:
        """Check `--mount` bind sources, create volumes, reference them; volumes all named.
        On error nothing is left behind."""
        for mount in plan:
            if mount.type == BIND and not mount.create_source:
                _require_bind_source(mount.source)
        created, resolved = [], []
        with self._volumes.lock:
            try:
                for mount in plan:
                    if mount.type == VOLUME:
                        volume, new = self._volumes.volume_for(mount)
                        created += [volume] if new else []
                        self._volumes.add_reference(volume, container_id)
                        mount = replace(mount, source=volume.name)
                    resolved.append(mount)
            except BaseException:
                self._volumes.drop_references({container_id})
                for volume in created:
                    if not volume.references:
                        purge(self._volumes.trash(volume))  # new and empty: quick
                raise
        return resolved

    def inspect_mounts(self, mounts: list[PlannedMount]) -> list[dict]:
        return inspect_mounts(mounts, self._volumes.path)

    async def copy_up(self, mounts: list[PlannedMount], rootfs: str) -> None:
        """Seed new, empty volumes from the image (the rootfs's merged view), unless `nocopy`."""
        for mount in mounts:
            if mount.type == VOLUME and mount.copy_data and not mount.subpath:
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
            trashes = [self._volumes.trash(v) for v in doomed]
        if trashes:
            await asyncio.to_thread(lambda: [purge(path) for path in trashes])
        return [v.name for v in doomed]

    def _unmount_devices(self, container_id: str, mounts: list[PlannedMount]) -> None:
        for mount in mounts:
            volume = self._volumes.find(mount.source)
            if volume is not None and volume.device_backed:
                self._volumes.unmount_device(volume, {container_id})

    # ---- per-container records ------------------------------------------------------------

    def _path(self, container_id: str) -> Path:
        if not container_id or "/" in container_id or container_id.startswith("."):
            raise InvalidArgument(f"invalid container id {container_id!r}")
        return self._records / f"{container_id}.json"

    def _load(self, container_id: str) -> dict | None:
        try:
            return json.loads(self._path(container_id).read_bytes())
        except FileNotFoundError:
            return None

    def _save(self, container_id: str, record: dict) -> None:
        write_atomic(self._path(container_id), record)

    def _delete(self, container_id: str) -> None:
        try:
            os.unlink(self._path(container_id))
        except FileNotFoundError:
            pass


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
