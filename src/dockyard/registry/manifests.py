"""Manifests, indexes and registry error bodies, read without I/O.

A pull asks for any of the four manifest kinds; an index (manifest list) is narrowed to the
requested platform, by default the host's linux architecture.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from dockyard.errors import InvalidArgument, NotFound
from dockyard.oci import digest as digests
from dockyard.oci import image as oci_image

ACCEPT = ", ".join([oci_image.MEDIA_DOCKER_MANIFEST, oci_image.MEDIA_DOCKER_MANIFEST_LIST,
                    oci_image.MEDIA_OCI_MANIFEST, oci_image.MEDIA_OCI_INDEX])
SCHEMA1 = {"application/vnd.docker.distribution.manifest.v1+json",
           "application/vnd.docker.distribution.manifest.v1+prettyjws"}
FOREIGN_LAYERS = {"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
                  "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"}


@dataclass(frozen=True)
class Descriptor:
    media_type: str
    digest: str
    size: int


@dataclass(frozen=True)
class ImageManifest:
    config: Descriptor
    layers: list[Descriptor]


def media_type_of(body: bytes, header: str) -> str:
    """The manifest's kind: its `mediaType` field, else the Content-Type the registry sent."""
    document = _json(body)
    return document.get("mediaType") or header.split(";", 1)[0].strip()


def is_index(media_type: str, body: bytes) -> bool:
    return media_type in oci_image.INDEX_MEDIA_TYPES or ("manifests" in _json(body) and "layers" not in _json(body))


def parse_manifest(body: bytes, media_type: str) -> ImageManifest:
    if media_type in SCHEMA1:
        raise InvalidArgument("schema 1 manifests are not supported: push the image again with a newer client")
    document = _json(body)
    if document.get("schemaVersion") != 2 or "config" not in document:
        raise InvalidArgument(f"unsupported manifest media type {media_type!r}")
    layers = [_descriptor(layer) for layer in document.get("layers") or []]
    foreign = [layer for layer in layers if layer.media_type in FOREIGN_LAYERS]
    if foreign:
        raise InvalidArgument(f"foreign layer {foreign[0].digest} cannot be downloaded")
    return ImageManifest(_descriptor(document["config"]), layers)


def select_platform(body: bytes, os_: str = "linux", arch: str | None = None,
                    variant: str = "") -> Descriptor:
    """The index entry for the platform; Docker's error when there is none."""
    arch = arch or oci_image.host_architecture()
    candidates = []
    for entry in _json(body).get("manifests") or []:
        platform = entry.get("platform") or {}
        if platform.get("os") == os_ and platform.get("architecture") == arch:
            if not variant or platform.get("variant", "") == variant:
                candidates.append(entry)
    if not candidates:
        wanted = "/".join(p for p in (os_, arch, variant) if p)
        raise NotFound(f"no matching manifest for {wanted} in the manifest list entries")
    # Without a requested variant, prefer an entry without one (arm64 vs arm64/v8 both match).
    candidates.sort(key=lambda e: bool((e.get("platform") or {}).get("variant")))
    return _descriptor(candidates[0])


def index_platforms(body: bytes) -> list[dict]:
    """The platforms an index's entries name, as `GET /distribution/{name}/json` lists them."""
    return [platform_json(entry.get("platform") or {}) for entry in _json(body).get("manifests") or []]


def platform_json(platform: dict) -> dict:
    """An OCI platform with dockerd's fields: architecture and os always, the rest when set."""
    shown = {"architecture": platform.get("architecture", ""), "os": platform.get("os", "")}
    for key in ("os.version", "os.features", "variant", "features"):
        if platform.get(key):
            shown[key] = platform[key]
    return shown


def docker_manifest(config: Descriptor, layers: list[Descriptor]) -> bytes:
    """A schema 2 manifest as pushes send it (compact JSON; its bytes' digest is the image digest)."""
    document = {"schemaVersion": 2, "mediaType": oci_image.MEDIA_DOCKER_MANIFEST,
                "config": _descriptor_json(config),
                "layers": [_descriptor_json(layer) for layer in layers]}
    return json.dumps(document, indent=3).encode()


def error_text(body: bytes, status: int, reason: str) -> str:
    """Docker's rendering of a registry's `{"errors": [...]}`: `manifest unknown: manifest unknown`."""
    try:
        errors = json.loads(body).get("errors") or []
    except (ValueError, AttributeError):
        errors = []
    texts = [f"{str(e.get('code', 'unknown')).replace('_', ' ').lower()}: {e.get('message', '')}"
             for e in errors if isinstance(e, dict)]
    if not texts:
        return f"received unexpected HTTP status: {status} {reason}"
    return texts[0] if len(texts) == 1 else "errors:\n" + "".join(t + "\n" for t in texts)


def _descriptor(entry: dict) -> Descriptor:
    try:
        return Descriptor(str(entry.get("mediaType", "")), digests.validate(entry["digest"]),
                          int(entry["size"]))
    except (KeyError, TypeError, ValueError, AttributeError):
        raise InvalidArgument("invalid manifest: malformed descriptor") from None


def _descriptor_json(d: Descriptor) -> dict:
    return {"mediaType": d.media_type, "size": d.size, "digest": d.digest}


def _json(body: bytes) -> dict:
    try:
        document = json.loads(body)
    except ValueError:
        raise InvalidArgument("invalid manifest: not JSON") from None
    if not isinstance(document, dict):
        raise InvalidArgument("invalid manifest: not a JSON object")
    return document
