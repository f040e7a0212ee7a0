"""`--cache-from`/`--cache-to` of a BuildKit solve (`SolveRequest.Cache`). `type=local` is
served: the client's directory is a content store reached through its session (BuildKit's
client resolves `src`'s index.json to a `digest` before the solve, and records the manifest
this export returns as `cache.manifest` in `dest`'s index.json after it). Every other type,
and every attribute not listed here, is refused by name."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
from dataclasses import dataclass

from dockyard.api.buildkit.generated import control_pb2
from dockyard.api.buildkit.session_content import SessionContent
from dockyard.api.grpc.framing import GrpcError
from dockyard.builder import cache_manifest
from dockyard.builder.cache_transfer import MODES, ImportedSteps, exported_steps
from dockyard.builder.vertices import BuildEvents
from dockyard.errors import InvalidArgument
from dockyard.images import layer_tars
from dockyard.images.service import ImageService
from dockyard.oci import digest as digests
from dockyard.oci import image as oci_image

LOCAL = "local"
_IMPORT_ATTRS = {"src", "digest", "tag"}
# `reset` is the client's (it empties the directory first); `oci-mediatypes` only names the
# media types the manifest uses, which are OCI's here either way
_EXPORT_ATTRS = {"dest", "mode", "tag", "ignore-error", "oci-mediatypes", "reset", "compression"}
_MANIFEST = "cache.manifest"


@dataclass(frozen=True)
class CacheEntry:
    attrs: dict[str, str]

    @property
    def store_id(self) -> str:
        return f"{LOCAL}:{self.attrs.get('src') or self.attrs.get('dest', '')}"


@dataclass(frozen=True)
class CacheTransfer:
    imports: list[CacheEntry]
    exports: list[CacheEntry]


def parse(cache: control_pb2.CacheOptions) -> CacheTransfer:
    if cache.ImportRefsDeprecated or cache.ExportRefDeprecated:
        raise InvalidArgument("cache import/export by image reference is not supported by this daemon: "
                              "use --cache-from/--cache-to type=local")
    imports = [_entry("--cache-from", entry, _IMPORT_ATTRS) for entry in cache.Imports]
    exports = [_entry("--cache-to", entry, _EXPORT_ATTRS) for entry in cache.Exports]
    for entry in exports:
        attrs = entry.attrs
        if attrs.get("mode", "min") not in MODES:
            raise InvalidArgument(f"--cache-to: invalid mode {attrs['mode']!r}: min or max")
        if attrs.get("compression", "uncompressed") != "uncompressed":
            raise InvalidArgument(f"--cache-to compression={attrs['compression']} is not supported by this daemon: "
                                  "its cache layers are written uncompressed (compression=uncompressed)")
        if attrs.get("oci-mediatypes", "true").lower() not in ("true", "1"):
            raise InvalidArgument("--cache-to oci-mediatypes=false is not supported by this daemon: "
                                  "its cache manifest uses OCI's media types")
    if len(exports) > 1:
        raise InvalidArgument("one --cache-to per build is supported by this daemon")
    return CacheTransfer(imports, exports)


def _entry(flag: str, entry: control_pb2.CacheOptionsEntry, known: set[str]) -> CacheEntry:
    if entry.Type != LOCAL:   # registry, inline, gha, s3, azblob: their stores are BuildKit's
        raise InvalidArgument(f"{flag} type={entry.Type} is not supported by this daemon: "
                              f"its build cache moves only through type=local")
    attrs = dict(entry.Attrs)
    unknown = sorted(set(attrs) - known)
    if unknown:
        raise InvalidArgument(f"{flag} type=local: {', '.join(unknown)} is not supported by this daemon")
    return CacheEntry(attrs)


async def imported(images: ImageService, session, entries: list[CacheEntry], events: BuildEvents):
    """The builder's `imported_cache` for the solve's imports (None without any)."""
    loop = asyncio.get_running_loop()
    sources: list[ImportedSteps] = []
    for entry in entries:
        digest = entry.attrs.get("digest", "")
        if not digest:   # BuildKit's client skips a directory without index.json before asking
            continue
        where = f"--cache-from {entry.store_id}"
        vertex = events.start(f"importing cache manifest from {LOCAL}:{_number(entry.attrs)}")
        try:
            content = _content(session, entry)
            index = await content.read_bytes(digests.validate(digest))
            config = await content.read_bytes(cache_manifest.config_of(index, where))
            steps = cache_manifest.steps_of(config, where)
        except GrpcError as err:
            events.done(vertex, error=err.message)
            raise InvalidArgument(f"{where}: {err.message}") from None
        except InvalidArgument as err:
            events.done(vertex, error=err.message)
            raise
        events.done(vertex)
        sources.append(ImportedSteps(images, steps, _blocking_fetch(content, loop, where), where))
    if not sources:
        return None

    def restore(key: str, parent_id: str | None) -> str | None:
        for source in sources:
            found = source.restore(key, parent_id)
            if found is not None:
                return found
        return None
    return restore


async def export(images: ImageService, session, entry: CacheEntry, built, events: BuildEvents) -> dict[str, str]:
    """Write the build's steps into the client's directory; the exporter response naming the
    manifest, which the client records in the directory's index.json."""
    vertex = events.start("exporting cache to client directory")
    try:
        events.status(vertex, "preparing build cache for export")
        steps = await asyncio.to_thread(exported_steps, images, built.steps, built.last_step,
                                        entry.attrs.get("mode", "min"))
        content = _content(session, entry)
        sizes: dict[str, int] = {}
        for step in steps:
            for digest, chain in [*zip(step.diff_ids, digests.chain_ids(step.diff_ids)),
                                  (step.config, None)]:
                if digest not in sizes:
                    size, source = await asyncio.to_thread(_blob_of, images, digest, chain)
                    sizes[digest] = size
                    events.status(vertex, f"writing layer {digest}" if digest != step.config
                                  else f"writing config {digest}")
                    with source:
                        await content.write(digest, size, source)
        config, index = cache_manifest.documents(steps, sizes)
        events.status(vertex, f"writing config {digests.sha256_digest(config)}")
        await content.write(digests.sha256_digest(config), len(config), io.BytesIO(config))
        index_digest = digests.sha256_digest(index)
        events.status(vertex, f"writing cache manifest {index_digest}")
        await content.write(index_digest, len(index), io.BytesIO(index))
    except (GrpcError, InvalidArgument) as err:
        message = err.message
        events.done(vertex, error=message)
        if entry.attrs.get("ignore-error", "").lower() in ("true", "1"):
            return {}
        raise InvalidArgument(f"--cache-to {entry.store_id}: {message}") from None
    events.done(vertex)
    return {_MANIFEST: json.dumps({"mediaType": oci_image.MEDIA_OCI_INDEX, "digest": index_digest,
                                   "size": len(index)}, separators=(",", ":"))}


def _blob_of(images: ImageService, digest: str, chain: str | None):
    """(size, reader) of a layer's tar (`chain` given) or a stored blob."""
    if chain is not None:
        return layer_tars.open_tar(images, digest, chain)
    return images.content.size(digest), images.content.open(digest)


def _content(session, entry: CacheEntry) -> SessionContent:
    if session is None:
        raise InvalidArgument(f"{entry.store_id}: the client's session has ended")
    content = SessionContent(session, entry.store_id)
    if not content.available():
        raise InvalidArgument(f"{entry.store_id}: the client's session offers no content store")
    return content


def _blocking_fetch(content: SessionContent, loop: asyncio.AbstractEventLoop, where: str):
    """A blob read for the builder's worker threads: the session's calls run on the loop."""
    def fetch(digest: str, sink) -> None:
        try:
            asyncio.run_coroutine_threadsafe(content.read(digest, sink), loop).result()
        except GrpcError as err:
            raise InvalidArgument(f"{where}: blob {digest}: {err.message}") from None
    return fetch


def _number(attrs: dict[str, str]) -> int:
    """A stable number naming an import in its progress line (BuildKit shows a hash there)."""
    return int.from_bytes(hashlib.sha256(json.dumps(attrs, sort_keys=True).encode()).digest()[:8], "big")
