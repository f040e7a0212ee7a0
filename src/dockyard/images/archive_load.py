"""`docker load`: copy images from an archive stream into the store.

Reads docker-archive (manifest.json + `<id>/layer.tar`, Docker ≤ 24) and OCI layout
(index.json + blobs/sha256, Docker ≥ 25) archives, plain or gzip/xz/zstd compressed, in one pass
over the stream: every file that may be a blob is ingested into the content store as it
streams by; small metadata files are kept in memory. Images become visible only after all of
their layers are unpacked and verified against the config's diff IDs.
"""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass, field
from typing import BinaryIO, Callable

from dockyard.errors import Conflict, InvalidArgument
from dockyard.images.importer import ingest_uncompressed
from dockyard.images.progress import progress_message
from dockyard.images import layer_tars
from dockyard.images.service import ImageService
from dockyard.oci import digest as digests
from dockyard.oci import image as oci_image
from dockyard.oci import reference
from dockyard.oci.reference import Reference
from dockyard.snapshots.store import StagedLayer
from dockyard.wire import tar_paths, tar_reader, tar_stream

SMALL_FILE = 8 << 20        # metadata files (manifests, configs) are read into memory up to this
METADATA_MAX = 32 << 20     # no config or manifest is larger: refuse to read one into memory
Progress = Callable[[dict], None]


@dataclass
class ArchiveIndex:
    """What one pass over the archive found: small files, ingested blobs, symlinks."""

    files: dict[str, bytes] = field(default_factory=dict)
    blobs: dict[str, str] = field(default_factory=dict)       # member name → blob digest
    links: dict[str, str] = field(default_factory=dict)       # member name → target name
    ingested: set[str] = field(default_factory=set)           # blobs this load added
    staged: dict[str, StagedLayer] = field(default_factory=dict)   # layer tars unpacked as read

    def resolve(self, name: str) -> str:
        name = tar_paths.clean_name(name)
        for _ in range(16):
            if name not in self.links:
                return name
            name = self.links[name]
        raise InvalidArgument(f"too many levels of symbolic links in archive at {name!r}")

    def read(self, service: ImageService, name: str) -> bytes:
        name = self.resolve(name)
        if name in self.files:
            return self.files[name]
        if name in self.blobs:
            if service.content.size(self.blobs[name]) > METADATA_MAX:
                raise InvalidArgument(f"invalid archive: {name} is too large for a config or manifest")
            return service.content.read(self.blobs[name])
        raise InvalidArgument(f"invalid archive: {name} not found")

    def blob(self, name: str) -> str:
        name = self.resolve(name)
        if name not in self.blobs:
            raise InvalidArgument(f"invalid archive: layer {name} not found")
        return self.blobs[name]


@dataclass
class ImageToLoad:
    config: bytes
    layers: list[str]                 # blob digests, bottom first
    tags: list[Reference]


def load_archive(service: ImageService, stream: BinaryIO, progress: Progress | None = None) -> list[str]:
    """Load every image in the archive; returns the `Loaded image: ...` lines."""
    index = read_archive(service, stream)
    created_blobs: list[str] = []
    try:
        images = _docker_images(service, index) if "manifest.json" in index.files \
            else _oci_images(service, index)
        if not images:
            raise InvalidArgument("invalid archive: no images found")
        lines = []
        created: list[str] = []
        try:
            for item in images:
                lines += _load_image(service, item, progress, created, created_blobs, index.staged)
        except BaseException:
            remove_orphan_layers(service, created)
            raise
        return lines
    finally:
        for staged in index.staged.values():
            service.snapshots.discard_staged(staged)
        keep = set(service.store.images) | {d for r in service.store.all() for d in r.diff_ids}
        for digest in (index.ingested | set(created_blobs)) - keep:
            service.content.delete(digest)


def read_archive(service: ImageService, stream: BinaryIO) -> ArchiveIndex:
    """One pass over the archive (with the tar reader made for layers: `tarfile`'s stream
    mode copies every byte twice in Python, ~0.4 s per 200 MB)."""
    index = ArchiveIndex()
    try:
        archive = tar_reader.TarReader(tar_stream.decompressed(stream))
        for member in archive:
            _read_member(service, index, archive, member)
    except BaseException as exc:
        for digest in index.ingested:
            service.content.delete(digest)
        for staged in index.staged.values():
            service.snapshots.discard_staged(staged)
        if isinstance(exc, tar_reader.TarError):
            raise InvalidArgument(f"invalid archive: {exc.message.removeprefix('invalid tar archive: ')}") from None
        if isinstance(exc, tar_stream.STREAM_ERRORS):
            raise InvalidArgument(f"invalid archive: {exc}") from None
        raise
    return index


def _read_member(service: ImageService, index: ArchiveIndex, archive: tar_reader.TarReader,
                 member: tar_reader.Entry) -> None:
    name = tar_paths.clean_name(member.name)
    if member.type in (tar_reader.SYMLINK, tar_reader.HARDLINK):
        base = posixpath.dirname(name) if member.type == tar_reader.SYMLINK else ""
        index.links[name] = tar_paths.clean_name(posixpath.join(base, member.linkname))
        return
    if member.type != tar_reader.REGULAR:
        return
    member_file = archive.contents(member)
    source: tar_stream.ByteReader = member_file
    expected = _expected_digest(name)
    if member.size <= SMALL_FILE and expected is None and not name.endswith("layer.tar"):
        index.files[name] = member_file.read()
        return
    existed = expected is not None and service.content.has(expected)
    if not existed and service.snapshots.layers_stand_alone and (
            expected is not None or name.endswith("layer.tar")):
        source = peeking = tar_stream.PeekReader(member_file)
        if _is_tar(peeking.peek(tar_reader.BLOCK)):
            _stage(service, index, name, peeking, expected)
            return
    digest, _ = service.content.ingest_file(source, expected=expected)
    if not existed and digest not in service.store.images:
        index.ingested.add(digest)
    index.blobs[name] = digest


def _stage(service: ImageService, index: ArchiveIndex, name: str, source, expected: str | None) -> None:
    """An uncompressed layer tar unpacked as it streams by (parents come later, with the
    manifest); the layer keeps a tar split, not the tar."""
    try:
        staged = service.snapshots.stage_layer(source)
    except InvalidArgument:
        raise InvalidArgument(f"invalid archive: {name} is not a valid layer") from None
    digest = staged.diff_id
    if expected is not None and digest != expected:
        service.snapshots.discard_staged(staged)
        raise InvalidArgument(f"invalid archive: {name}: digest mismatch: expected {expected}, got {digest}")
    if digest in index.staged:
        service.snapshots.discard_staged(staged)      # the same layer twice in the archive
    else:
        index.staged[digest] = staged
    if digest not in service.store.images:
        index.ingested.add(digest)
    index.blobs[name] = digest


def _is_tar(head: bytes) -> bool:
    return len(head) == tar_reader.BLOCK and head[257:262] == b"ustar"


def _expected_digest(name: str) -> str | None:
    """`blobs/sha256/<hex>` names their digest: ingest verifies it."""
    parts = name.split("/")
    if len(parts) == 3 and parts[0] == "blobs" and parts[1] == "sha256":
        return digests.from_hex(parts[2])
    return None


def _docker_images(service: ImageService, index: ArchiveIndex) -> list[ImageToLoad]:
    manifest = _json(index.files["manifest.json"], "manifest.json")
    if not isinstance(manifest, list):
        raise InvalidArgument("invalid archive: manifest.json is not a list")
    images = []
    for entry in manifest:
        try:
            config = index.read(service, entry["Config"])
            layers = [index.blob(layer) for layer in entry.get("Layers") or []]
            tags = [reference.parse(t).with_default_tag() for t in entry.get("RepoTags") or []]
        except (KeyError, TypeError, AttributeError):
            raise InvalidArgument("invalid archive: malformed manifest.json") from None
        images.append(ImageToLoad(config, layers, tags))
    return images


def _oci_images(service: ImageService, index: ArchiveIndex) -> list[ImageToLoad]:
    if "index.json" not in index.files:
        raise InvalidArgument("invalid archive: neither manifest.json nor index.json found")
    top = _json(index.files["index.json"], "index.json")
    images = []
    for descriptor in top.get("manifests") or []:
        images += _oci_descriptor(service, index, descriptor, _oci_tags(descriptor))
    return images


def _oci_descriptor(service: ImageService, index: ArchiveIndex, descriptor: dict,
                    tags: list[Reference]) -> list[ImageToLoad]:
    digest = digests.validate(descriptor.get("digest", ""))
    document = _json(index.read(service, f"blobs/sha256/{digests.hex_of(digest)}"), digest)
    media = descriptor.get("mediaType") or document.get("mediaType")
    if media in oci_image.INDEX_MEDIA_TYPES or "manifests" in document:
        chosen = _pick_platform(document.get("manifests") or [])
        return _oci_descriptor(service, index, chosen, tags) if chosen else []
    config_digest = digests.validate(document["config"]["digest"])
    config = index.read(service, f"blobs/sha256/{digests.hex_of(config_digest)}")
    layers = [index.blob(f"blobs/sha256/{digests.hex_of(digests.validate(layer['digest']))}")
              for layer in document.get("layers") or []]
    return [ImageToLoad(config, layers, tags)]


def _pick_platform(manifests: list[dict]) -> dict | None:
    arch = oci_image.host_architecture()
    for m in manifests:
        platform = m.get("platform") or {}
        if platform.get("os", "linux") == "linux" and platform.get("architecture", arch) == arch:
            return m
    return None


def _oci_tags(descriptor: dict) -> list[Reference]:
    annotations = descriptor.get("annotations") or {}
    name = annotations.get(oci_image.ANNOTATION_DOCKER_NAME) or ""
    ref_name = annotations.get(oci_image.ANNOTATION_REF_NAME) or ""
    for candidate in (name, ref_name):
        if candidate:
            try:
                ref = reference.parse(candidate)
            except InvalidArgument:
                continue  # a bare tag like `1.0` names no repository
            return [ref.with_default_tag()] if not ref.digest else []
    return []


def remove_orphan_layers(service: ImageService, chains: list[str]) -> None:
    """Layers a failed load unpacked that no image uses: delete them, top first."""
    used = {c for r in service.store.all() for c in digests.chain_ids(r.diff_ids)}
    for chain in reversed(chains):
        if chain not in used:
            try:
                service.snapshots.remove_layer(chain)
            except Conflict:
                pass


def _load_image(service: ImageService, item: ImageToLoad, progress: Progress | None,
                created: list[str], created_blobs: list[str],
                staged_layers: dict[str, StagedLayer]) -> list[str]:
    config = _json(item.config, "image config")
    diff_ids = oci_image.diff_ids(config)
    if len(diff_ids) != len(item.layers):
        raise InvalidArgument("invalid archive: layer count does not match the image config")
    for diff_id in diff_ids:
        digests.validate(diff_id)
    chains = digests.chain_ids(diff_ids)
    with service.pinned(chains + diff_ids):
        parent = None
        for chain, diff_id, blob in zip(chains, diff_ids, item.layers):
            if not layer_tars.has_layer(service, chain, diff_id):
                if not service.snapshots.has(chain):
                    created.append(chain)
                _apply(service, blob, parent, diff_id, progress, created_blobs, staged_layers)
            parent = chain
        image_id, _ = service.create_image(item.config, item.tags)
    service.emit("load", image_id)
    if item.tags:
        return [f"Loaded image: {t.familiar()}\n" for t in item.tags]
    return [f"Loaded image ID: {image_id}\n"]


def _apply(service: ImageService, blob: str, parent: str | None, diff_id: str,
           progress: Progress | None, created_blobs: list[str],
           staged_layers: dict[str, StagedLayer]) -> None:
    """Unpack one layer: staged as the archive was read, or from its blob (decompressing it
    into the diff ID's blob first), or from the tar of the same layer already here."""
    row = digests.short_id(diff_id)
    staged = staged_layers.pop(diff_id, None) if blob == diff_id else None
    if staged is not None:
        total = staged.tar_size
    elif blob != diff_id or service.content.has(blob):
        total = service.content.size(blob)
    else:
        total = 0
    if blob != diff_id:
        with service.content.open(blob) as f:
            _, created = ingest_uncompressed(service, _ProgressReader(f, total, row, progress), diff_id)
        if created:
            created_blobs.append(diff_id)
    elif progress:
        progress(progress_message("Loading layer", row, 0, total))
    if staged is not None:
        service.snapshots.commit_staged(staged, parent)
    else:
        layer_tars.apply_known(service, diff_id, parent)
    if progress:
        progress(progress_message("Loading layer", row, total, total))


class _ProgressReader:
    """Reports `Loading layer` progress as the blob is read (about every 4 MB)."""

    STEP = 4 << 20

    def __init__(self, raw: BinaryIO, total: int, row: str, progress: Progress | None):
        self.raw, self.total, self.row, self.progress = raw, total, row, progress
        self.done = 0
        self.reported = -1

    def read(self, n: int = -1) -> bytes:
        data = self.raw.read(n)
        self.done += len(data)
        if self.progress and (self.done - self.reported >= self.STEP or self.done == self.total):
            if self.reported != self.done:
                self.reported = self.done
                self.progress(progress_message("Loading layer", self.row, self.done, self.total))
        return data


def _json(data: bytes, what: str):
    try:
        return json.loads(data)
    except ValueError:
        raise InvalidArgument(f"invalid archive: {what} is not valid JSON") from None

