"""Image config and manifest documents (Docker image spec v1.2 / OCI image spec), as plain dicts.

Configs are kept as the exact bytes they arrived in (their digest is the image ID); these
helpers build new ones (import, commit) and read fields out of parsed ones.
"""

from __future__ import annotations

import json
import platform
from datetime import datetime, timezone
from typing import Any

MEDIA_DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
MEDIA_DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
MEDIA_DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar"
MEDIA_DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip"
MEDIA_DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
MEDIA_OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MEDIA_OCI_INDEX = "application/vnd.oci.image.index.v1+json"
MEDIA_OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
MEDIA_OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"
MANIFEST_MEDIA_TYPES = {MEDIA_DOCKER_MANIFEST, MEDIA_OCI_MANIFEST}
INDEX_MEDIA_TYPES = {MEDIA_OCI_INDEX, MEDIA_DOCKER_MANIFEST_LIST}

ANNOTATION_REF_NAME = "org.opencontainers.image.ref.name"
ANNOTATION_DOCKER_NAME = "io.containerd.image.name"

_GOARCH = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "i686": "386", "ppc64le": "ppc64le",
           "s390x": "s390x", "riscv64": "riscv64"}


def host_architecture() -> str:
    machine = platform.machine()
    return _GOARCH.get(machine, machine)


def rfc3339(when: datetime) -> str:
    """`2026-11-28T00:25:12.16503Z`, the form image configs carry: Go's RFC3339Nano, as dockerd
    writes a time, drops trailing zeros of the fraction (`.165030` -> `.16503`, `.000000` -> none)."""
    stamp = when.astimezone(timezone.utc)
    fraction = f"{stamp.microsecond:06d}".rstrip("0")
    return stamp.strftime("%Y-%m-%dT%H:%M:%S") + (f".{fraction}" if fraction else "") + "Z"


def parse_created(value: str | None) -> datetime | None:
    """Read a config's `created` (RFC3339, possibly with nanoseconds)."""
    if not value:
        return None
    text = value.replace("Z", "+00:00")
    head, dot, rest = text.partition(".")
    if dot:  # Python parses at most microseconds
        digits = "".join(c for c in rest if c.isdigit())
        zone = rest[len(digits):]
        text = f"{head}.{(digits + '000000')[:6]}{zone}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def new_config(diff_ids: list[str], container_config: dict[str, Any], created: datetime,
               history: list[dict[str, Any]], *, parent_config: dict[str, Any] | None = None,
               author: str = "", comment: str = "", architecture: str | None = None,
               os_: str = "linux", variant: str = "") -> dict[str, Any]:
    """A Docker/OCI image config for a new image (import, commit, build)."""
    config: dict[str, Any] = {
        "architecture": architecture or host_architecture(),
        "config": container_config,
        "created": rfc3339(created),
        "history": history,
        "os": os_,
        "rootfs": {"type": "layers", "diff_ids": list(diff_ids)},
    }
    if author:
        config["author"] = author
    if comment:
        config["comment"] = comment
    if variant:
        config["variant"] = variant
    return config


def encode(document: dict[str, Any]) -> bytes:
    """Canonical JSON bytes of a new document (their digest is its identity)."""
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


def diff_ids(config: dict[str, Any]) -> list[str]:
    rootfs = config.get("rootfs") or {}
    return list(rootfs.get("diff_ids") or [])


def docker_manifest(config_digest: str, config_size: int,
                    layers: list[tuple[str, int]]) -> dict[str, Any]:
    """A schema-2 manifest of uncompressed layers: (digest, size) each."""
    return {
        "schemaVersion": 2,
        "mediaType": MEDIA_DOCKER_MANIFEST,
        "config": {"mediaType": MEDIA_DOCKER_CONFIG, "digest": config_digest, "size": config_size},
        "layers": [{"mediaType": MEDIA_DOCKER_LAYER, "digest": d, "size": s} for d, s in layers],
    }
