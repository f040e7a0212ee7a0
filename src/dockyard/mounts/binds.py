"""`-v` strings (`HostConfig.Binds`) and `--volumes-from` specs, parsed as dockerd does."""

import posixpath

from dockyard.errors import InvalidArgument
from dockyard.mounts import modes
from dockyard.mounts.model import BIND, VOLUME, PlannedMount
from dockyard.mounts.spec import planned_from_spec


def _invalid_spec(raw: str) -> InvalidArgument:
    return InvalidArgument(f"invalid volume specification: '{raw}'")


def parse_bind(raw: str, volume_driver: str = "") -> PlannedMount:
    """`src:dst[:mode]`, `name:dst[:mode]` or `dst`: a bind when the source is absolute."""
    if raw.count(":") > 2:
        raise _invalid_spec(raw)
    parts = raw.split(":", 2)
    if parts[0] == "":
        raise _invalid_spec(raw)
    if len(parts) == 2 and modes.valid_mode(parts[1]):
        raise _invalid_spec(raw)  # `/foo:rw`: a mode with no destination
    source, target, mode = ("", parts[0], "") if len(parts) == 1 else (parts[0], parts[1], "")
    if len(parts) == 3:
        mode = parts[2]
    modes.check_mode(mode)
    try:
        return planned_from_spec(_as_mount_spec(source, target, mode, volume_driver), mode,
                                 create_source=True)
    except InvalidArgument as err:
        raise InvalidArgument(f"{_invalid_spec(raw)}: {err}") from None


def _as_mount_spec(source: str, target: str, mode: str, volume_driver: str) -> dict:
    """The `--mount` object a `-v` string stands for; the shared checks then reject what dockerd does."""
    kind = BIND if posixpath.isabs(source) else VOLUME
    spec: dict = {"Type": kind, "Source": source, "Target": target,
                  "ReadOnly": not modes.is_read_write(mode)}
    volume_options: dict = {}
    if volume_driver and kind == VOLUME:
        volume_options["DriverConfig"] = {"Name": volume_driver}
    if modes.no_copy(mode):
        volume_options["NoCopy"] = True
    if volume_options:
        spec["VolumeOptions"] = volume_options
    propagation = modes.propagation_of(mode)
    if propagation:
        spec["BindOptions"] = {"Propagation": propagation}
    return spec


def parse_volumes_from(spec: str) -> tuple[str, str]:
    """`container[:ro|rw]` → (container, mode); propagation and copy modes are refused."""
    if not spec:
        raise InvalidArgument("volumes-from specification cannot be an empty string")
    container, _, mode = spec.partition(":")
    if mode == "":
        return container, "rw"
    modes.check_mode(mode)
    if modes.propagation_of(mode) or modes.no_copy(mode):
        raise InvalidArgument(f"invalid mode: {mode}")
    return container, mode
