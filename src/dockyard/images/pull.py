"""`docker pull`: copy an image from a registry into the store.

`resolve` runs before the response starts (a missing manifest is a plain 404): it authorises,
fetches the manifest (narrowing an index to the platform) and the config. `pull` then downloads
the missing layers in parallel straight into the content store (each verified against its
digest and stored decompressed), unpacks them in order as they arrive — bottom first, each
layer once, shared by chain ID — and records the image only when every layer is in place, so a
failed pull leaves nothing visible and removes what it unpacked.
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from dockyard.errors import InvalidArgument, NotFound
from dockyard.images.archive_load import remove_orphan_layers
from dockyard.images.importer import ingest_uncompressed, parse_platform
from dockyard.images.layer_sources import LayerSource, LayerSources
from dockyard.images.progress import Meter, Progress, progress_message, status
from dockyard.images import layer_tars
from dockyard.images.service import ImageService
from dockyard.oci import digest as digests
from dockyard.oci import image as oci_image
from dockyard.oci.reference import Reference
from dockyard.registry import manifests
from dockyard.registry.client import RegistryClient
from dockyard.registry.manifests import Descriptor
from dockyard.snapshots.store import StagedLayer
from dockyard.wire import tar_stream

DOWNLOADS = 3          # layers downloaded at once, as dockerd
READ_CHUNK = 1 << 20


@dataclass
class PullPlan:
    ref: Reference                 # with its tag or digest
    client: RegistryClient
    digest: str                    # of the manifest (or index) the reference names
    config: bytes
    layers: list[Descriptor]

    @property
    def diff_ids(self) -> list[str]:
        return oci_image.diff_ids(_config_json(self.config))


def resolve(client: RegistryClient, ref: Reference, platform: str | None = None) -> PullPlan:
    """Manifest and config of `ref` (NotFound before any progress is sent)."""
    display = ref.familiar()
    body, content_type = client.get_manifest(ref.digest or ref.tag or "latest", display)
    digest = _verified(body, ref.digest)
    media_type = manifests.media_type_of(body, content_type)
    if manifests.is_index(media_type, body):
        os_, arch, variant = parse_platform(platform)
        chosen = manifests.select_platform(body, os_, arch, variant)
        body, content_type = client.get_manifest(chosen.digest, display)
        _verified(body, chosen.digest)
        media_type = chosen.media_type or manifests.media_type_of(body, content_type)
    manifest = manifests.parse_manifest(body, media_type)
    config = client.get_blob(manifest.config.digest)
    _verified(config, manifest.config.digest)
    plan = PullPlan(ref, client, digest, config, manifest.layers)
    if len(plan.diff_ids) != len(plan.layers):
        raise InvalidArgument("invalid manifest: layer count does not match the image config")
    return plan


def distribution_info(client: RegistryClient, ref: Reference) -> dict:
    """`GET /distribution/{name}/json`: the descriptor of what `ref` names in the registry and
    the platforms it offers (an index's entries, or a manifest's config)."""
    body, content_type = client.get_manifest(ref.digest or ref.tag or "latest", ref.familiar())
    digest = _verified(body, ref.digest)
    media_type = manifests.media_type_of(body, content_type)
    if manifests.is_index(media_type, body):
        platforms = manifests.index_platforms(body)
    else:
        config = client.get_blob(manifests.parse_manifest(body, media_type).config.digest)
        platforms = [manifests.platform_json(_config_json(config))]
    return {"Descriptor": {"mediaType": media_type, "digest": digest, "size": len(body)}, "Platforms": platforms}


def resolve_all_tags(client: RegistryClient, repository: Reference, platform: str | None = None) -> list[PullPlan]:
    """`docker pull --all-tags`: a plan for every tag the registry lists."""
    tags = client.tags()
    if not tags:
        raise NotFound(f"no tags found for {repository.familiar_name}")
    return [resolve(client, repository.with_tag(tag), platform) for tag in sorted(tags)]


def pull(service: ImageService, sources: LayerSources, plan: PullPlan, report: Progress,
         cancelled: threading.Event | None = None) -> bool:
    """Download and unpack what is missing, record the image; True when anything changed.
    `cancelled` set (the client went away): stop, and leave nothing behind."""
    ref = plan.ref
    report({"status": f"Pulling from {ref.path}", "id": ref.tag or ref.digest})
    diff_ids = plan.diff_ids
    chains = digests.chain_ids(diff_ids)
    image_id = digests.sha256_digest(plan.config)
    present = image_id in service.store.images and all(service.snapshots.has(c) for c in chains)
    up_to_date = present and service.store.lookup(str(ref)) == image_id
    with service.pinned(chains + diff_ids):
        transfer = None if present else _fetch_layers(service, sources, plan, diff_ids, chains, report, cancelled)
        if cancelled is not None and cancelled.is_set():
            if transfer is not None:
                transfer.undo()
            raise InvalidArgument("pull cancelled")
        tags = [ref] if ref.tag else []
        service.create_image(plan.config, tags, repo_digests=[f"{ref.name}@{plan.digest}"])
    service.emit("pull", ref.familiar(), {"name": ref.familiar()})
    report({"status": f"Digest: {plan.digest}"})
    return not up_to_date


def status_line(name: str, updated: bool) -> dict:
    verb = "Downloaded newer image for" if updated else "Image is up to date for"
    return {"status": f"Status: {verb} {name}"}


class _Transfer:
    """The layers of one pull: downloads in flight, what was created (to undo on failure)."""

    def __init__(self, service: ImageService, plan: PullPlan, report: Progress):
        self.service, self.plan, self.report = service, plan, report
        self.cancelled = threading.Event()
        self.created_chains: list[str] = []
        self.created_diffs: list[str] = []
        self.staged: dict[str, StagedLayer] = {}     # diff ID → unpacked while downloaded
        self.lock = threading.Lock()

    def download(self, layer: Descriptor, diff_id: str) -> None:
        """Stream the blob, verify its digest, and unpack it keeping a tar split (where layers
        stand alone, as with overlay) or store it decompressed as the layer's tar.

        Decompressing, hashing and (where layers stand alone, as with overlay) unpacking here,
        in the download threads, overlaps them for the layers in flight; the in-order part
        is then one rename per layer (or the extraction of a tar already on disk)."""
        row = digests.short_id(layer.digest)
        source = self.plan.client.open_blob(layer.digest)
        blob = tar_stream.HashingReader(_Cancellable(source, self.cancelled,
                                                     Meter(self.report, "Downloading", row, layer.size)))
        try:
            try:
                if self.service.snapshots.layers_stand_alone and not self.service.content.has(diff_id):
                    created = self._stage(blob, diff_id)
                else:
                    _, created = ingest_uncompressed(self.service, blob, diff_id)
            except InvalidArgument:
                self._check(blob, layer)     # a corrupt download is reported as such
                raise
            if created:
                with self.lock:
                    self.created_diffs.append(diff_id)
            self.report(status("Verifying Checksum", row))
            self._check(blob, layer)
        finally:
            source.close()
        self.report(status("Download complete", row))

    def _stage(self, blob: tar_stream.HashingReader, diff_id: str) -> bool:
        staged = self.service.snapshots.stage_layer(blob)
        if staged.diff_id != diff_id:
            self.service.snapshots.discard_staged(staged)
            raise InvalidArgument(f"digest mismatch: expected {diff_id}, got {staged.diff_id}")
        with self.lock:
            duplicate = diff_id in self.staged      # the same layer twice in one image
            if not duplicate:
                self.staged[diff_id] = staged
        if duplicate:
            self.service.snapshots.discard_staged(staged)
        return True

    def _check(self, blob: tar_stream.HashingReader, layer: Descriptor) -> None:
        if not self.cancelled.is_set():
            blob.drain()
        if blob.digest != layer.digest:
            raise InvalidArgument(f"filesystem layer verification failed for digest {layer.digest}")

    def unpack(self, layer: Descriptor, diff_id: str, parent: str | None) -> None:
        service, row = self.service, digests.short_id(layer.digest)
        chain = digests.chain_id(parent, diff_id)
        if not service.snapshots.has(chain):
            self.created_chains.append(chain)
        with self.lock:
            staged = self.staged.pop(diff_id, None)
        if staged is not None:
            size = staged.tar_size
        else:
            size = service.content.size(diff_id) if service.content.has(diff_id) else 0
        self.report(progress_message("Extracting", row, 0, size))
        if staged is not None:
            service.snapshots.commit_staged(staged, parent)
        else:
            layer_tars.apply_known(service, diff_id, parent)
        self.report(progress_message("Extracting", row, size, size))
        self.report(status("Pull complete", row))

    def undo(self) -> None:
        """After a failure: drop the unpacked layers and layer tars no image uses."""
        for staged in self.staged.values():
            self.service.snapshots.discard_staged(staged)
        remove_orphan_layers(self.service, self.created_chains)
        used = {d for r in self.service.store.all() for d in r.diff_ids}
        for diff_id in self.created_diffs:
            if diff_id not in used:
                self.service.content.delete(diff_id)


class _Cancellable:
    """A blob being downloaded, counting progress and stopping when the pull is cancelled."""

    def __init__(self, source, cancelled: threading.Event, meter: Meter):
        self.source, self.cancelled, self.meter = source, cancelled, meter

    def read(self, n: int = -1) -> bytes:
        if self.cancelled.is_set():
            raise InvalidArgument("pull cancelled")
        data = self.source.read(READ_CHUNK if n is None or n < 0 else n)
        self.meter.add(len(data))
        return data


def _fetch_layers(service: ImageService, sources: LayerSources, plan: PullPlan, diff_ids: list[str],
                  chains: list[str], report: Progress, cancelled: threading.Event | None) -> "_Transfer":
    transfer = _Transfer(service, plan, report)
    if cancelled is not None:
        transfer.cancelled = cancelled
    have = [layer_tars.has_layer(service, c, d) for c, d in zip(chains, diff_ids)]
    for layer, present in zip(plan.layers, have):
        report(status("Already exists" if present else "Pulling fs layer", digests.short_id(layer.digest)))
    pool = ThreadPoolExecutor(DOWNLOADS, thread_name_prefix="pull")
    futures: list[Future | None] = [
        None if present else pool.submit(transfer.download, layer, diff_id)
        for layer, diff_id, present in zip(plan.layers, diff_ids, have)]
    try:
        parent = None
        for layer, diff_id, chain, future in zip(plan.layers, diff_ids, chains, futures):
            if future is not None:
                future.result()
                transfer.unpack(layer, diff_id, parent)
                sources.add(diff_id, LayerSource(plan.client.endpoint.host, plan.client.repository,
                                                 layer.digest, layer.size, layer.media_type))
            parent = chain
    except BaseException:
        transfer.cancelled.set()
        pool.shutdown(wait=True, cancel_futures=True)
        transfer.undo()
        raise
    finally:
        pool.shutdown(wait=True)
    return transfer


def _verified(body: bytes, expected: str | None) -> str:
    digest = digests.sha256_digest(body)
    if expected and digest != expected:
        raise InvalidArgument(f"manifest verification failed for digest {expected}")
    return digest


def _config_json(config: bytes) -> dict:
    try:
        return json.loads(config)
    except ValueError:
        raise InvalidArgument("invalid image config: not JSON") from None
