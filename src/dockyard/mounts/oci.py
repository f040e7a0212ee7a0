"""Resolved mounts rendered for the runtime (OCI `mounts` entries) and for inspect (`Mounts`).

"Resolved" means every volume mount names its volume (anonymous ones included); `volume_path`
maps a volume name to its directory on the host.
"""

import posixpath
from typing import Callable

from dockyard.mounts import tmpfs
from dockyard.mounts.model import BIND, TMPFS, VOLUME, PlannedMount

VolumePath = Callable[[str], str]


def host_source(mount: PlannedMount, volume_path: VolumePath) -> str:
    if mount.type == VOLUME:
        base = volume_path(mount.source)
        return posixpath.join(base, mount.subpath) if mount.subpath else base
    return mount.source


def oci_mount(mount: PlannedMount, volume_path: VolumePath) -> dict:
    if mount.type == TMPFS:
        return {"destination": mount.destination, "type": "tmpfs", "source": "tmpfs",
                "options": tmpfs.merge(mount.tmpfs_options)}
    options = ["bind" if mount.non_recursive else "rbind"]
    if mount.read_only:
        options.append("ro")
    if mount.type == BIND and mount.propagation:
        options.append(mount.propagation)
    return {"destination": mount.destination, "type": "bind",
            "source": host_source(mount, volume_path), "options": options}


def oci_mounts(mounts: list[PlannedMount], volume_path: VolumePath) -> list[dict]:
    return [oci_mount(m, volume_path) for m in mounts]


def inspect_mount(mount: PlannedMount, volume_path: VolumePath) -> dict:
    """One entry of container inspect `Mounts` (and `docker ps` Mounts), shaped as dockerd's."""
    entry: dict = {"Type": mount.type}
    if mount.type == VOLUME:
        entry["Name"] = mount.source
    entry["Source"] = "" if mount.type == TMPFS else (
        volume_path(mount.source) if mount.type == VOLUME else mount.source)
    entry["Destination"] = mount.destination
    if mount.type == VOLUME:
        entry["Driver"] = mount.driver or "local"
    entry.update(Mode=mount.mode, RW=not mount.read_only, Propagation=mount.propagation)
    return entry


def inspect_mounts(mounts: list[PlannedMount], volume_path: VolumePath) -> list[dict]:
    return [inspect_mount(m, volume_path) for m in mounts if m.listed]
