"""Plan a container's mounts from its create request and its image's config (pure).

Precedence follows dockerd: `--volumes-from` first, then `-v` and `--mount` replace what they
cover (two of those on one destination is an error), `--tmpfs` entries, and last an anonymous
volume for each declared `VOLUME` not already covered.
"""

from typing import Callable

from dockyard.errors import InvalidArgument, NotFound
from dockyard.mounts import tmpfs
from dockyard.mounts.binds import parse_bind, parse_volumes_from
from dockyard.mounts.model import BIND, TMPFS, VOLUME, PlannedMount
from dockyard.mounts.modes import DEFAULT_PROPAGATION, is_read_write
from dockyard.mounts.spec import check_destination, planned_from_spec

# A container reference (`--volumes-from web`) → that container's inspect `Mounts`.
MountsLookup = Callable[[str], list[dict]]


def duplicate(destination: str) -> InvalidArgument:
    return InvalidArgument(f"Duplicate mount point: {destination}")


def plan_mounts(create_body: dict, image_config: dict | None = None,
                volumes_from: MountsLookup | None = None) -> list[PlannedMount]:
    """Every mount of a new container, parents before children."""
    host = create_body.get("HostConfig") or {}
    driver = _volume_driver(host)
    tmpfs_points = _plan_tmpfs(host.get("Tmpfs") or {})
    points: dict[str, PlannedMount] = {}
    for spec in host.get("VolumesFrom") or []:
        for planned in _from_container(spec, volumes_from):
            points[planned.destination] = planned
    explicit: set[str] = set()

    def add(planned: PlannedMount, shown: str) -> None:
        if planned.destination in explicit or planned.destination in tmpfs_points:
            raise duplicate(shown)
        explicit.add(planned.destination)
        points[planned.destination] = planned

    for raw in host.get("Binds") or []:
        planned = parse_bind(raw, driver)
        add(planned, planned.destination)
    for spec in host.get("Mounts") or []:
        add(planned_from_spec(spec), spec.get("Target", ""))
    for destination in _declared_volumes(create_body, image_config):
        if destination not in points and destination not in tmpfs_points:
            points[destination] = PlannedMount(type=VOLUME, destination=destination, copy_data=True,
                                               anonymous=True, driver=driver or "local")
    return ordered([*points.values(), *tmpfs_points.values()])


def ordered(mounts: list[PlannedMount]) -> list[PlannedMount]:
    """By depth so a parent is mounted before what is mounted inside it; by path within a depth."""
    return sorted(mounts, key=lambda m: (m.destination.rstrip("/").count("/"), m.destination))


def _volume_driver(host: dict) -> str:
    """`--volume-driver`: the driver of the volumes the container creates (checked when one is:
    dockerd accepts it on a container that has none)."""
    return host.get("VolumeDriver") or ""


def _plan_tmpfs(entries: dict[str, str]) -> dict[str, PlannedMount]:
    planned = {}
    for destination, data in entries.items():
        clean = check_destination(destination)
        options = tmpfs.split_options(data or "")
        tmpfs.merge(options)  # refuse unknown options now rather than at start
        planned[clean] = PlannedMount(type=TMPFS, destination=clean, tmpfs_options=options,
                                      read_only="ro" in options, listed=False)
    return planned


def _declared_volumes(create_body: dict, image_config: dict | None) -> list[str]:
    """`Config.Volumes` of the request and the image's `Volumes`, as clean destinations."""
    declared = {**((image_config or {}).get("Volumes") or {}), **(create_body.get("Volumes") or {})}
    return [check_destination(path) for path in declared]


def _from_container(spec: str, lookup: MountsLookup | None) -> list[PlannedMount]:
    container, mode = parse_volumes_from(spec)
    if lookup is None:
        raise InvalidArgument(f"No such container: {container}")
    try:
        mounts = lookup(container)
    except NotFound as err:  # dockerd answers 400 here: the request names a bad container
        raise InvalidArgument(str(err)) from None
    writable = is_read_write(mode)
    return [_inherited(mount, writable) for mount in mounts]


def _inherited(mount: dict, writable: bool) -> PlannedMount:
    """Another container's mount point as ours: same source, never copied into, never anonymous."""
    kind, destination = mount.get("Type") or VOLUME, mount["Destination"]
    read_only = not (mount.get("RW", True) and writable)
    if kind == BIND:
        return PlannedMount(type=BIND, destination=destination, source=mount["Source"],
                            read_only=read_only, propagation=mount.get("Propagation") or DEFAULT_PROPAGATION)
    if kind == TMPFS:
        return PlannedMount(type=TMPFS, destination=destination, read_only=read_only,
                            tmpfs_options=("ro",) if read_only else ())
    return PlannedMount(type=VOLUME, destination=destination, source=mount["Name"], read_only=read_only,
                        driver=mount.get("Driver") or "local", inherited=True)
