"""One `HostConfig.Mounts` object (what `--mount` sends) validated and turned into a plan entry.

`-v` strings are converted to the same shape first (see `binds`), so both share these checks and
Docker's wording: `invalid mount config for type "bind": field Source must not be empty`.
"""

import posixpath

from dockyard.errors import InvalidArgument
from dockyard.mounts import tmpfs
from dockyard.mounts.model import BIND, TMPFS, VOLUME, PlannedMount
from dockyard.mounts.modes import DEFAULT_PROPAGATION, PROPAGATIONS


class MountConfigError(InvalidArgument):
    def __init__(self, mount_type: str, reason: str):
        super().__init__(f'invalid mount config for type "{mount_type}": {reason}')


def _missing(name: str) -> str:
    return f"field {name} must not be empty"


def _extra(name: str) -> str:
    return f"field {name} must not be specified"


def check_destination(target: str) -> str:
    """A clean absolute path other than "/"; Docker's reasons when it is not."""
    if clean(target.replace("\\", "/")) == "/":
        raise InvalidArgument("invalid specification: destination can't be '/'")
    if not posixpath.isabs(target):
        raise InvalidArgument(f"invalid mount path: '{target}' mount path must be absolute")
    return clean(target)


def clean(path: str) -> str:
    cleaned = posixpath.normpath(path)
    return "/" + cleaned.lstrip("/") if cleaned.startswith("//") else cleaned


def planned_from_spec(spec: dict, mode: str = "", create_source: bool = False) -> PlannedMount:
    """Validate a Mounts object and plan it. `mode`/`create_source` come from `-v` parsing."""
    kind = spec.get("Type") or ""
    target = spec.get("Target") or ""
    if not target:
        raise MountConfigError(kind, _missing("Target"))
    try:
        destination = check_destination(target)
    except InvalidArgument as err:
        raise MountConfigError(kind, str(err)) from None
    planners = {BIND: _bind, VOLUME: _volume, TMPFS: _tmpfs}
    if kind not in planners:
        raise MountConfigError(kind, "mount type unknown")
    return planners[kind](spec, destination, mode, create_source)


def _reject_extras(spec: dict, kind: str, extras: tuple[str, ...]) -> None:
    for name in extras:
        if spec.get(name) is not None:
            raise MountConfigError(kind, _extra(name))


def _bind(spec: dict, destination: str, mode: str, create_source: bool) -> PlannedMount:
    source = spec.get("Source") or ""
    if not source:
        raise MountConfigError(BIND, _missing("Source"))
    options = spec.get("BindOptions") or {}
    propagation = options.get("Propagation") or ""
    if propagation and propagation not in PROPAGATIONS:
        raise MountConfigError(BIND, f"invalid propagation mode: {propagation}")
    _reject_extras(spec, BIND, ("VolumeOptions", "TmpfsOptions"))
    if not posixpath.isabs(source):
        raise MountConfigError(BIND, f"invalid mount path: '{source}' mount path must be absolute")
    return PlannedMount(
        type=BIND, destination=destination, source=clean(source),
        read_only=bool(spec.get("ReadOnly")), mode=mode,
        propagation=propagation or DEFAULT_PROPAGATION,
        non_recursive=bool(options.get("NonRecursive")),
        create_source=create_source or bool(options.get("CreateMountpoint")),
    )


def _volume(spec: dict, destination: str, mode: str, create_source: bool) -> PlannedMount:
    _reject_extras(spec, VOLUME, ("BindOptions", "TmpfsOptions"))
    name = spec.get("Source") or ""
    options = spec.get("VolumeOptions") or {}
    subpath = options.get("Subpath") or ""
    if subpath:
        if not name:
            raise MountConfigError(VOLUME, "must not set Subpath when using anonymous volumes")
        if not _is_local(subpath):
            raise MountConfigError(VOLUME, "subpath must be a relative path within the volume")
    if spec.get("ReadOnly") and not name:
        raise MountConfigError(VOLUME, "must not set ReadOnly mode when using anonymous volumes")
    driver_config = options.get("DriverConfig") or {}
    return PlannedMount(
        type=VOLUME, destination=destination, source=name, read_only=bool(spec.get("ReadOnly")),
        mode=mode or "z", copy_data=not options.get("NoCopy"), anonymous=not name,
        subpath=posixpath.normpath(subpath) if subpath else "",
        driver=driver_config.get("Name") or "local",
        volume_options=dict(driver_config.get("Options") or {}),
        volume_labels=dict(options.get("Labels") or {}),
    )


def _tmpfs(spec: dict, destination: str, mode: str, create_source: bool) -> PlannedMount:
    _reject_extras(spec, TMPFS, ("BindOptions", "VolumeOptions"))
    if spec.get("Source"):
        raise MountConfigError(TMPFS, _extra("Source"))
    try:
        options = tmpfs.options_from_spec(spec.get("TmpfsOptions"), bool(spec.get("ReadOnly")))
        tmpfs.merge(options)
    except InvalidArgument as err:
        raise MountConfigError(TMPFS, str(err)) from None
    return PlannedMount(type=TMPFS, destination=destination, read_only=bool(spec.get("ReadOnly")),
                        tmpfs_options=options)


def _is_local(path: str) -> bool:
    """Go's filepath.IsLocal: relative, not empty, and never climbing out."""
    if not path or posixpath.isabs(path):
        return False
    return posixpath.normpath(path).split("/")[0] != ".."
