"""`docker push`: copy an image from the store to a registry.

Layers go up in parallel, top first as dockerd lists them: a layer the registry already holds
(known from an earlier pull or push) is skipped after a `HEAD` ("Layer already exists") or
mounted from a sibling repository; any other is gzip-compressed while it streams up in one
chunked upload. Then the config and a schema 2 manifest; the pushed digest becomes one of the
image's RepoDigests.
"""

from __future__ import annotations

import hashlib
import zlib
from concurrent.futures import ThreadPoolExecutor
from typing import Iterator

from dockyard.errors import NotFound
from dockyard.images.layer_sources import LayerSource, LayerSources
from dockyard.images.progress import Meter, Progress, status
from dockyard.images import layer_tars
from dockyard.images.service import ImageService
from dockyard.oci import digest as digests
from dockyard.oci import image as oci_image
from dockyard.oci import reference
from dockyard.oci.reference import Reference
from dockyard.registry import manifests
from dockyard.registry.client import RegistryClient
from dockyard.registry.manifests import Descriptor

UPLOADS = 3
CHUNK = 1 << 20
SAMPLE = 1 << 20
# A layer whose first MiB does not shrink by this much is stored in gzip without compression:
# deflating incompressible data (binaries already compressed, random data) costs CPU for nothing.
WORTH_COMPRESSING = 0.9


def targets(service: ImageService, name: str, tag: str | None) -> list[tuple[Reference, str]]:
    """(tagged reference, image ID) to push: one tag, or every tag of the repository."""
    repo = reference.parse(name)
    if tag or repo.tag:
        ref = repo.with_tag(tag) if tag else repo
        image_id = service.store.lookup(str(ref))
        if image_id is None:
            raise NotFound(f"An image does not exist locally with the tag: {ref.familiar_name}")
        return [(ref, image_id)]
    found = [(reference.parse(t), i) for t, i in sorted(service.store.tags.items())
             if reference.parse(t).name == repo.name]
    if not found:
        raise NotFound(f"An image does not exist locally with the tag: {repo.familiar_name}")
    return found


def push(service: ImageService, sources: LayerSources, client: RegistryClient, ref: Reference,
         image_id: str, report: Progress) -> str:
    """Push one tagged image; returns the manifest digest."""
    record = service.store.get(image_id)
    diff_ids = record.diff_ids
    for diff_id in reversed(diff_ids):
        report(status("Preparing", digests.short_id(diff_id)))
    with ThreadPoolExecutor(UPLOADS, thread_name_prefix="push") as pool:
        futures = [pool.submit(_push_layer, service, sources, client, d, c, report)
                   for d, c in reversed(list(zip(diff_ids, digests.chain_ids(diff_ids))))]
        layers = list(reversed([f.result() for f in futures]))
    config = service.config_bytes(image_id)
    config_digest = digests.sha256_digest(config)
    if not client.has_blob(config_digest):
        client.put_blob(config, config_digest)
    body = manifests.docker_manifest(
        Descriptor(oci_image.MEDIA_DOCKER_CONFIG, config_digest, len(config)), layers)
    digest = digests.sha256_digest(body)
    client.put_manifest(ref.tag or "latest", body, oci_image.MEDIA_DOCKER_MANIFEST)
    service.create_image(config, [], repo_digests=[f"{ref.name}@{digest}"])
    service.emit("push", ref.familiar(), {"name": ref.familiar()})
    report({"status": f"{ref.tag}: digest: {digest} size: {len(body)}"})
    report({"progressDetail": {}, "aux": {"Tag": ref.tag, "Digest": digest, "Size": len(body)}})
    return digest


def _push_layer(service: ImageService, sources: LayerSources, client: RegistryClient, diff_id: str,
                chain: str, report: Progress) -> Descriptor:
    row = digests.short_id(diff_id)
    known = _already_there(sources, client, diff_id, report, row)
    if known is not None:
        return known
    size, tar = layer_tars.open_tar(service, diff_id, chain)
    meter = Meter(report, "Pushing", row, size)

    def metered() -> Iterator[bytes]:
        with tar:
            while chunk := tar.read(CHUNK):
                meter.add(len(chunk))
                yield chunk

    upload = _Hashed(_gzip(metered()))
    digest = client.upload_blob(upload, lambda: upload.digest)
    descriptor = Descriptor(oci_image.MEDIA_DOCKER_LAYER_GZIP, digest, upload.size)
    sources.add(diff_id, LayerSource(client.endpoint.host, client.repository, digest, upload.size,
                                     descriptor.media_type))
    report(status("Pushed", row))
    return descriptor


def _already_there(sources: LayerSources, client: RegistryClient, diff_id: str, report: Progress,
                   row: str) -> Descriptor | None:
    """A blob of this layer the registry holds in this repository, or mounts from a sibling."""
    candidates = sources.at(diff_id, client.endpoint.host)
    candidates.sort(key=lambda s: s.repository != client.repository)
    for source in candidates:
        descriptor = Descriptor(source.media_type, source.digest, source.size)
        if source.repository == client.repository:
            if client.has_blob(source.digest):
                report(status("Layer already exists", row))
                return descriptor
        elif client.mount_blob(source.digest, source.repository):
            report(status(f"Mounted from {source.repository}", row))
            return descriptor
    return None


class _Hashed:
    """Chunks on their way up, hashed and counted (the digest is known once they ran out)."""

    def __init__(self, chunks: Iterator[bytes]):
        self.chunks, self.hasher, self.size = chunks, hashlib.sha256(), 0

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.chunks:
            self.hasher.update(chunk)
            self.size += len(chunk)
            yield chunk

    @property
    def digest(self) -> str:
        return "sha256:" + self.hasher.hexdigest()


def _gzip(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """gzip of the chunks; level 1, or 0 (stored) when the first MiB proves incompressible."""
    compressor = None
    for chunk in chunks:
        if compressor is None:
            compressor = zlib.compressobj(_level(chunk[:SAMPLE]), zlib.DEFLATED, 31)
        out = compressor.compress(chunk)
        if out:
            yield out
    yield (compressor or zlib.compressobj(1, zlib.DEFLATED, 31)).flush()


def _level(sample: bytes) -> int:
    if not sample:
        return 1
    return 1 if len(zlib.compress(sample, 1)) < WORTH_COMPRESSING * len(sample) else 0
