"""The JSON shapes of image list entries, inspect and history (pure)."""

from __future__ import annotations

from typing import Any

from dockyard.errors import InvalidArgument
from dockyard.images.store import ImageRecord
from dockyard.oci import reference
from dockyard.oci.image import parse_created
from dockyard.oci.reference import Reference

MISSING = "<missing>"


def created_unix(record: ImageRecord) -> int:
    when = parse_created(record.created)
    return int(when.timestamp()) if when else 0


def summary(record: ImageRecord, config: dict[str, Any], tags: list[Reference],
            api_version: tuple[int, int]) -> dict[str, Any]:
    body = {
        "Id": record.id,
        "ParentId": record.parent,
        "RepoTags": [t.familiar() for t in tags],
        "RepoDigests": [_familiar_digest(d) for d in record.repo_digests],
        "Created": created_unix(record),
        "Size": record.size,
        "SharedSize": -1,
        "Labels": (config.get("config") or {}).get("Labels") or {},
        "Containers": -1,
    }
    if api_version < (1, 44):
        body["VirtualSize"] = record.size
    return body


def inspect(record: ImageRecord, config: dict[str, Any], tags: list[Reference],
            graph_driver: dict[str, Any], api_version: tuple[int, int]) -> dict[str, Any]:
    body = {
        "Id": record.id,
        "RepoTags": [t.familiar() for t in tags],
        "RepoDigests": [_familiar_digest(d) for d in record.repo_digests],
        "Parent": record.parent,
        "Comment": _comment(config),
        "Created": config.get("created", ""),
        "Container": config.get("container", ""),
        "ContainerConfig": config.get("container_config") or _empty_container_config(),
        "DockerVersion": config.get("docker_version", ""),
        "Author": config.get("author", ""),
        "Config": _go_config(config.get("config")),
        "Architecture": config.get("architecture", ""),
        "Os": config.get("os", ""),
        "Size": record.size,
        "GraphDriver": graph_driver,
        "RootFS": {"Type": "layers", "Layers": list(record.diff_ids)},
        "Metadata": {"LastTagTime": record.last_tag_time or "0001-01-01T00:00:00Z"},
    }
    if config.get("variant"):
        body["Variant"] = config["variant"]
    if api_version < (1, 44):
        body["VirtualSize"] = record.size
    return body


def history(chain: list[tuple[ImageRecord, dict[str, Any], list[Reference]]],
            layer_sizes: list[int]) -> list[dict[str, Any]]:
    """History entries newest first. `chain` is the image then its local parents."""
    record, config, _ = chain[0]
    entries = config.get("history") or [{"created": config.get("created", "")} for _ in record.diff_ids]
    sizes = iter(layer_sizes)
    rows = []
    for item in entries:
        size = 0 if item.get("empty_layer") else next(sizes, 0)
        when = parse_created(item.get("created"))
        rows.append({"Id": MISSING, "Created": int(when.timestamp()) if when else 0,
                     "CreatedBy": item.get("created_by", ""), "Tags": None, "Size": size,
                     "Comment": item.get("comment", "")})
    for image, image_config, tags in chain:  # each local image marks where its history ends
        position = len(image_config.get("history") or image.diff_ids) - 1
        if 0 <= position < len(rows) and rows[position]["Id"] == MISSING:
            rows[position]["Id"] = image.id
            rows[position]["Tags"] = [t.familiar() for t in tags] or None
    rows.reverse()
    return rows


def _familiar_digest(value: str) -> str:
    name, _, digest = value.partition("@")
    try:
        return f"{reference.parse(name).familiar_name}@{digest}"
    except InvalidArgument:
        return value


def _comment(config: dict[str, Any]) -> str:
    """The image's comment; dockerd shows the last history entry's when the config has none
    (BuildKit's images: `buildkit.dockerfile.v0`)."""
    if "comment" in config:
        return config["comment"]
    history = config.get("history") or []
    return history[-1].get("comment", "") if history else ""


def _go_config(config: dict[str, Any] | None) -> dict[str, Any]:
    """A config as dockerd prints its Go struct: the fields without `omitempty` are always
    there (an image built by BuildKit, or pulled, stores only those set), in the struct's order."""
    if not config:
        return config or {}
    shown = {}
    zero = _empty_container_config()
    for key in _CONFIG_ORDER:
        if key in config:
            shown[key] = config[key]
        elif key in zero:
            shown[key] = zero[key]
    shown.update((k, v) for k, v in config.items() if k not in shown)
    return shown


_CONFIG_ORDER = ("Hostname", "Domainname", "User", "AttachStdin", "AttachStdout", "AttachStderr", "ExposedPorts",
                 "Tty", "OpenStdin", "StdinOnce", "Env", "Cmd", "Healthcheck", "ArgsEscaped", "Image", "Volumes",
                 "WorkingDir", "Entrypoint", "NetworkDisabled", "MacAddress", "OnBuild", "Labels", "StopSignal",
                 "StopTimeout", "Shell")


def _empty_container_config() -> dict[str, Any]:
    return {"Hostname": "", "Domainname": "", "User": "", "AttachStdin": False, "AttachStdout": False,
            "AttachStderr": False, "Tty": False, "OpenStdin": False, "StdinOnce": False, "Env": None,
            "Cmd": None, "Image": "", "Volumes": None, "WorkingDir": "", "Entrypoint": None,
            "OnBuild": None, "Labels": None}
