"""The build service: builds, the build cache (step images, `--link` layers, cache mounts),
its pruning and disk usage.

    service = BuildService(images, containers, stdio, Mounter(), data_root)
    image_id = await service.build(BuildOptions(tags=["app:1"]), context_stream, send)
"""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass
import logging
import os
import shutil
from typing import Any, BinaryIO, Callable

from dockyard.builder.builder import Builder, BuildOptions
from dockyard.builder.buildkit_image import buildkit_config
from dockyard.builder.cache import BuildCache
from dockyard.builder.cache_mounts import CacheMounts
from dockyard.builder.kept_contexts import KeptContexts
from dockyard.builder.layers import BuildLayers
from dockyard.builder.prune_filters import cache_keeper
from dockyard.builder.run_mounts import RunMounts
from dockyard.builder.run_step import StepFailed
from dockyard.builder.vertices import BuildEvents, VertexProgress
from dockyard.errors import DockyardError, InvalidArgument, NotFound
from dockyard.metadata.records import RecordStore
from dockyard.oci import image as oci_image
from dockyard.oci.digest import sha256_digest
from dockyard.syscalls.inode_flags import spread_subdirectories
from dockyard.wire.times import format_rfc3339_nano

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuiltImage:
    """A BuildKit build's result: the exported image, and the steps behind it (for --cache-to)."""

    image_id: str
    last_step: str              # the target stage's last step image
    steps: dict[str, str]       # step key → image, each step the build made or reused


class BuildService:
    def __init__(self, images, containers, stdio, mounter, data_root: str, puller=None):
        build_root = os.path.join(data_root, "build")
        work_dir = os.path.join(build_root, "work")
        _remove_stale_contexts(work_dir)
        os.makedirs(work_dir, exist_ok=True)
        spread_subdirectories(work_dir)      # contexts: many files made and deleted per build
        self.cache = BuildCache(os.path.join(build_root, "cache"), lambda image_id: image_id in images.store.images)
        # `COPY --link` layers by their sources, while the content store holds them
        link_layers = BuildCache(os.path.join(build_root, "link-layers"), images.content.has)
        self.cache_mounts = CacheMounts(os.path.join(build_root, "cache-mounts"))
        self.kept_contexts = KeptContexts(work_dir)   # BuildKit's contexts, for the next build of the same
        layers = BuildLayers(images, mounter, work_dir)
        layers.sweep()
        self._containers, self._images = containers, images
        self.work_dir = work_dir
        # RUN containers a build will remove, one empty record each: a daemon that died mid-build
        # left them running (adopted like any container), so the next one removes them
        self._run_notes = RecordStore(os.path.join(work_dir, "run-containers"))
        run_mounts = RunMounts(layers, self.cache_mounts, mounter, work_dir)
        self._builder = Builder(images, containers, stdio, layers, self.cache, work_dir, self._run_notes,
                                run_mounts, link_layers, puller)

    async def start(self) -> None:
        """Remove the RUN containers of builds a crashed daemon left (once containers are adopted)."""
        for container_id in list(self._run_notes.keys()):
            try:
                await self._containers.remove(container_id, True, True)
            except NotFound:
                pass
            except DockyardError as err:
                log.warning("removing the RUN container %s of a dead build: %s", container_id[:12], err)
            self._run_notes.delete(container_id)

    async def build(self, options: BuildOptions, context: BinaryIO, send: Callable[[dict], None]) -> str:
        return await self._builder.build(options, context, send)

    async def build_buildkit(self, options: BuildOptions, context_root: str, dockerfile: str,
                             events: BuildEvents) -> BuiltImage:
        """A build for BuildKit's protocol: progress as vertexes, the image as BuildKit exports
        it (one image, BuildKit's history); tags are the exporter's job."""
        progress = VertexProgress(events)
        labels = options.labels   # BuildKit sets them on the exported config, with no LABEL step
        # BuildKit keeps no container of a failed step, and no intermediate one
        options = dataclasses.replace(options, labels={}, rm=True, forcerm=True, quiet=False, buildkit=True)
        try:
            image_id, run = await self._builder.build_directory(options, context_root, dockerfile, progress)
        except StepFailed as err:
            message = f"executor failed running [{' '.join(err.command)}]: exit code: {err.code}"
            progress.fail(message)
            raise StepFailed(message, err.code, err.command) from None
        except DockyardError as err:
            progress.fail(err.message)
            raise
        # the configs were read during the build: on the loop; only a new image is written, in a thread
        config = self._export_config(image_id, run, labels)
        exported = sha256_digest(config)
        if exported not in self._images.store.images:   # a cached rebuild's image is there already
            exported, _ = await asyncio.to_thread(self._images.create_image, config)
        return BuiltImage(exported, image_id, dict(run.steps))

    def _export_config(self, image_id: str, run, labels: dict[str, str]) -> bytes:
        base, instructions = run.history_chain()
        base_history = len(self._images.config(base).get("history") or []) if base else 0
        return oci_image.encode(buildkit_config(self._images.config(image_id), base_history, instructions, labels,
                                                run.copied_words, from_scratch=base is None))

    async def cache_records(self) -> list[dict[str, Any]]:
        """The build cache as `docker buildx du` lists it: one record per cached step, and the
        cache mounts."""
        steps = await asyncio.to_thread(self.cache.records)
        mounts = await asyncio.to_thread(self.cache_mounts.usage)
        return steps + [_step_shaped(usage) for usage in mounts]

    async def prune_cache(self, all_: bool = False, filters: list[str] | None = None,
                          keep_seconds: float = 0.0) -> list[dict[str, Any]]:
        """`docker buildx prune`: entries of deleted images (with `--all` every entry), the
        cache mounts and kept contexts no build uses; with `--keep-duration` none used more
        recently than that."""
        if filters:
            raise InvalidArgument(f"prune filters are not supported by this daemon: {', '.join(filters)}")
        steps = await asyncio.to_thread(self.cache.remove_records, all_, keep_seconds)
        self.kept_contexts.prune(keep_seconds)
        keep = cache_keeper({"unused-for": [f"{keep_seconds}s"]} if keep_seconds else {})
        mounts = await asyncio.to_thread(self.cache_mounts.prune, keep)
        return steps + [_step_shaped(usage) for usage in mounts]

    async def prune(self, filters: dict[str, list[str]] | None = None) -> dict[str, Any]:
        """`POST /build/prune`: cache entries of deleted images go (the images are the image
        service's: `docker image prune` removes the dangling ones), and the cache mounts no
        build is using, as BuildKit prunes them (those `filters` select); without filters, the
        kept contexts too."""
        await asyncio.to_thread(self.cache.prune)
        if not filters:
            self.kept_contexts.prune()
        removed = await asyncio.to_thread(self.cache_mounts.prune, cache_keeper(filters or {}))
        return {"CachesDeleted": [r["ID"] for r in removed] or None,
                "SpaceReclaimed": sum(r["Size"] for r in removed)}

    async def disk_usage(self) -> list[dict[str, Any]]:
        """The build cache as `GET /system/df` lists it (BuildKit's records: the cache mounts)."""
        return [{**usage, "Parent": "", "CreatedAt": _rfc3339(usage["CreatedAt"]),
                 "LastUsedAt": _rfc3339(usage["LastUsedAt"])}
                for usage in await asyncio.to_thread(self.cache_mounts.usage)]


def _step_shaped(usage: dict[str, Any]) -> dict[str, Any]:
    """A cache mount's usage record in the shape of `BuildCache.records`."""
    return {"id": usage["ID"], "type": usage["Type"], "size": usage["Size"], "description": usage["Description"],
            "created": usage["CreatedAt"], "used": usage["LastUsedAt"] or usage["CreatedAt"],
            "usage": usage["UsageCount"], "in_use": usage["InUse"]}


def _rfc3339(seconds: float | None) -> str | None:
    return format_rfc3339_nano(int(seconds * 1e9), fixed=False) if seconds is not None else None


def _remove_stale_contexts(work_dir: str) -> None:
    """Contexts of builds a crashed daemon left (never the mount points beside them)."""
    if not os.path.isdir(work_dir):
        return
    for name in os.listdir(work_dir):
        if name.startswith("context-"):
            shutil.rmtree(os.path.join(work_dir, name), ignore_errors=True)
