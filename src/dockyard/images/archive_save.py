"""`docker save`: copy images from the store into a docker-archive stream.

The layout is Docker's (what 20.10 writes and every later Docker loads): `manifest.json`,
`repositories`, `<config hex>.json`, and per layer `<id>/VERSION`, `<id>/json`,
`<id>/layer.tar`; plus, as Docker ≥ 25 writes, an OCI layout (`index.json`, `oci-layout`,
`blobs/sha256/`) whose blobs are hardlinks to those files. Layers shared by several saved images
are written once. Layer tars are streamed from the content store's blobs or rebuilt from the
layers' tar splits (`images.layer_tars`).
"""

from __future__ import annotations

import io
import json
import time
from dataclasses import dataclass
from typing import Any

from dockyard.errors import InvalidArgument
from dockyard.images import layer_tars
from dockyard.images.service import ImageService
from dockyard.oci import digest as digests
from dockyard.oci import image as oci_image
from dockyard.oci import reference
from dockyard.oci.reference import Reference
from dockyard.wire import tar_writer

LAYER_VERSION = b"1.0"
COPY_CHUNK = 1 << 20


@dataclass
class ImageToSave:
    image_id: str
    tags: list[Reference]


def plan(service: ImageService, names: list[str]) -> list[ImageToSave]:
    """Resolve every name before the first byte is sent (a missing one is a plain 404)."""
    chosen: dict[str, ImageToSave] = {}
    for name in names:
        record = service.resolve(name)
        item = chosen.setdefault(record.id, ImageToSave(record.id, []))
        tag = _named_tag(service, name, record.id)
        if tag is not None and tag not in item.tags:
            item.tags.append(tag)
    return list(chosen.values())


def _named_tag(service: ImageService, name: str, image_id: str) -> Reference | None:
    """`busybox` saves with its tag; an ID saves untagged (as Docker does)."""
    try:
        parsed = reference.parse(name).with_default_tag()
    except InvalidArgument:
        return None
    return parsed if parsed in service.tags(image_id) else None


def write_archive(service: ImageService, images: list[ImageToSave], out) -> None:
    """Write the archive to `out.write` (a blocking sink with back-pressure)."""
    now = int(time.time())
    archive = _Archive(out, now)
    manifest: list[dict[str, Any]] = []
    repositories: dict[str, dict[str, str]] = {}
    written: set[str] = set()
    sizes: dict[str, int] = {}              # diff ID → its tar's size
    for item in images:
        config_bytes = service.config_bytes(item.image_id)
        config = json.loads(config_bytes)
        config_name = digests.hex_of(item.image_id) + ".json"
        archive.data(config_name, config_bytes)
        layer_paths = []
        parent_id = ""
        diff_ids = (config.get("rootfs") or {}).get("diff_ids") or []
        for chain, diff_id in zip(digests.chain_ids(diff_ids), diff_ids):
            layer_id = digests.hex_of(chain)
            if layer_id not in written:
                sizes[diff_id] = _add_layer(service, archive, layer_id, parent_id, diff_id, chain)
                written.add(layer_id)
            layer_paths.append(f"{layer_id}/layer.tar")
            parent_id = layer_id
        manifest.append({"Config": config_name,
                         "RepoTags": [t.familiar() for t in item.tags] or None,
                         "Layers": layer_paths})
        for tag in item.tags:
            repositories.setdefault(tag.familiar_name, {})[tag.tag or "latest"] = parent_id
        service.emit("save", item.image_id)
    if repositories:
        archive.data("repositories", json.dumps(repositories).encode() + b"\n")
    archive.data("manifest.json", json.dumps(manifest).encode() + b"\n")
    _add_oci_layout(service, archive, images, sizes)
    archive.close()


def _add_oci_layout(service: ImageService, archive: "_Archive", images: list[ImageToSave],
                    sizes: dict[str, int]) -> None:
    """The OCI image layout Docker ≥ 25 adds: index.json and blobs/sha256, where configs and
    layers are tar hardlinks to the legacy files (no byte is stored twice)."""
    archive.directory("blobs")
    archive.directory("blobs/sha256")
    linked: set[str] = set()
    entries = []
    for item in images:
        config = json.loads(service.config_bytes(item.image_id))
        diff_ids = (config.get("rootfs") or {}).get("diff_ids") or []
        _add_link(archive, item.image_id, digests.hex_of(item.image_id) + ".json", linked)
        layers = []
        for chain, diff_id in zip(digests.chain_ids(diff_ids), diff_ids):
            _add_link(archive, diff_id, f"{digests.hex_of(chain)}/layer.tar", linked)
            layers.append({"mediaType": oci_image.MEDIA_OCI_LAYER, "digest": diff_id,
                           "size": sizes[diff_id]})
        manifest = json.dumps({
            "schemaVersion": 2, "mediaType": oci_image.MEDIA_OCI_MANIFEST,
            "config": {"mediaType": oci_image.MEDIA_OCI_CONFIG, "digest": item.image_id,
                       "size": service.content.size(item.image_id)},
            "layers": layers}).encode()
        manifest_digest = digests.sha256_digest(manifest)
        if manifest_digest not in linked:
            archive.data(f"blobs/sha256/{digests.hex_of(manifest_digest)}", manifest)
            linked.add(manifest_digest)
        descriptor = {"mediaType": oci_image.MEDIA_OCI_MANIFEST, "digest": manifest_digest,
                      "size": len(manifest)}
        tags: list[Reference | None] = [*item.tags] or [None]
        for tag in tags:
            entry = dict(descriptor)
            if tag is not None:
                entry["annotations"] = {oci_image.ANNOTATION_DOCKER_NAME: str(tag),
                                        oci_image.ANNOTATION_REF_NAME: tag.tag or "latest"}
            entries.append(entry)
    index = {"schemaVersion": 2, "mediaType": oci_image.MEDIA_OCI_INDEX, "manifests": entries}
    archive.data("index.json", json.dumps(index).encode() + b"\n")
    archive.data("oci-layout", b'{"imageLayoutVersion":"1.0.0"}')


def _add_link(archive: "_Archive", digest: str, target: str, linked: set[str]) -> None:
    if digest in linked:
        return
    archive.link(f"blobs/sha256/{digests.hex_of(digest)}", target)
    linked.add(digest)


def _add_layer(service: ImageService, archive: "_Archive", layer_id: str, parent_id: str,
               diff_id: str, chain: str) -> int:
    archive.directory(layer_id)
    archive.data(f"{layer_id}/VERSION", LAYER_VERSION)
    legacy = {"id": layer_id, "created": "1970-01-01T00:00:00Z", "container_config": {}, "os": "linux"}
    if parent_id:
        legacy["parent"] = parent_id
    archive.data(f"{layer_id}/json", json.dumps(legacy).encode())
    size, tar = layer_tars.open_tar(service, diff_id, chain)
    with tar:
        archive.file_from(f"{layer_id}/layer.tar", size, tar)
    return size


class _Archive:
    """The archive's entries written straight to `out` with `tar_writer`'s headers (`tarfile`'s
    stream mode copies its whole buffer at every write: ~1 s per 200 MB of layers)."""

    def __init__(self, out, mtime: int):
        self.out, self.mtime = out, mtime

    def directory(self, name: str) -> None:
        self.out.write(tar_writer.header(name + "/", tar_writer.DIRECTORY, 0o755, 0, 0, 0, self.mtime))

    def link(self, name: str, target: str) -> None:
        self.out.write(tar_writer.header(name, tar_writer.HARDLINK, 0o644, 0, 0, 0, self.mtime, target))

    def data(self, name: str, data: bytes) -> None:
        self.file_from(name, len(data), io.BytesIO(data))

    def file_from(self, name: str, size: int, source) -> None:
        self.out.write(tar_writer.header(name, tar_writer.REGULAR, 0o644, 0, 0, size, self.mtime))
        left = size
        while left:
            chunk = source.read(min(left, COPY_CHUNK))
            if not chunk:
                raise InvalidArgument(f"{name}: {left} bytes short of its size")
            self.out.write(chunk)
            left -= len(chunk)
        self.out.write(tar_writer.padding(size))

    def close(self) -> None:
        self.out.write(bytes(2 * tar_writer.BLOCK))
