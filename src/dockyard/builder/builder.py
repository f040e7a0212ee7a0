"""The builder: runs a Dockerfile's plan, one image per instruction, each step reused from the
build cache when its parent image and inputs match (`POST /build`; the BuildKit edge calls
`build_directory`).

Only the stages the target needs are built, as BuildKit does; those that do not depend on each
other are built at the same time, each as its own task (`stage_build`), while the progress
reads in Dockerfile order (`stage_order`). Blocking work (unpacking the context, mounting,
copying, committing layers) runs in worker threads; RUN steps go through the container
service on the event loop.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Callable

from dockyard.builder.cache import BuildCache
from dockyard.builder.cache_from import CacheSources
from dockyard.builder.context import BuildContext
from dockyard.builder.layers import BuildLayers
from dockyard.builder.platforms import host_platform
from dockyard.builder.progress import BuildProgress
from dockyard.builder.run_mounts import RunMounts
from dockyard.builder.session import NO_SESSION, BuildSession
from dockyard.builder.stage_build import StageBuild, StageState
from dockyard.builder.stage_order import OrderedProgress
from dockyard.dockerfile import stage_graph
from dockyard.dockerfile.build_args import BuildArgs, platform_args
from dockyard.dockerfile.parser import Instruction, parse
from dockyard.dockerfile.plan import BuildPlan, plan_build
from dockyard.dockerfile.shell_words import ShellLex
from dockyard.errors import InvalidArgument, NotFound
from dockyard.metadata.records import RecordStore
from dockyard.oci import reference
from dockyard.registry.credentials import Credentials

log = logging.getLogger(__name__)


@dataclass
class BuildOptions:
    tags: list[str] = field(default_factory=list)
    dockerfile: str = "Dockerfile"
    quiet: bool = False
    nocache: bool = False
    rm: bool = True
    forcerm: bool = False
    target: str = ""
    build_args: dict[str, str | None] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    host_config: dict[str, Any] = field(default_factory=dict)
    pull: bool = False                                   # --pull: fetch base images even when held
    cache_from: list[str] = field(default_factory=list)  # --cache-from: the only images steps may reuse
    registry_auths: dict[str, Credentials] = field(default_factory=dict)
    platform: str = ""                                   # the target platform; "" = this host's
    session: BuildSession = NO_SESSION                   # secrets, SSH agents, entitlements
    buildkit: bool = False    # BuildKit's ARG scoping: kept by a later stage FROM this one, and by a bare re-ARG
    # BuildKit's --cache-from type=local: (step key, parent image) → an image it restores, or None
    imported_cache: Callable[[str, str | None], str | None] | None = None


class Builder:
    def __init__(self, images, containers, stdio, layers: BuildLayers, cache: BuildCache, work_dir: str,
                 run_notes: RecordStore, run_mounts: RunMounts, link_layers: BuildCache, puller=None):
        self.images, self.containers, self.stdio = images, containers, stdio
        self.layers, self.cache, self.work_dir = layers, cache, work_dir
        self.run_notes = run_notes  # RUN containers to remove even if the daemon dies meanwhile
        self.run_mounts, self.link_layers = run_mounts, link_layers
        self.puller = puller  # images.puller.ImagePuller, or None where pulling is not available

    async def build(self, options: BuildOptions, context_stream: BinaryIO, send: Callable[[dict], None]) -> str:
        context = await asyncio.to_thread(BuildContext.unpack, context_stream, self.work_dir)
        try:
            text = await asyncio.to_thread(context.read_dockerfile, options.dockerfile)
            return await _Run(self, options, context, BuildProgress(send, options.quiet)).run(text)
        finally:
            context.remove()

    async def build_directory(self, options: BuildOptions, context_root: str, dockerfile: str,
                              progress) -> tuple[str, "_Run"]:
        """A build whose context is already a directory (BuildKit's file sync made it) and whose
        Dockerfile came apart; the run comes back too, for what it learnt of the stages."""
        run = _Run(self, options, BuildContext(context_root), progress)
        return await run.run(dockerfile), run


class _Run:
    """One build: the plan, the build args, the stages being built."""

    def __init__(self, builder: Builder, options: BuildOptions, context: BuildContext, progress):
        self.b, self.options, self.context, self.progress = builder, options, context, progress
        self.loop = asyncio.get_running_loop()
        self.args = BuildArgs(dict(options.build_args), buildkit=options.buildkit)
        self.lex = ShellLex()
        self.plan: BuildPlan  # made by run()
        self._bases: dict[int, tuple[str | None, int | None]] = {}   # stage → (base image, stage it starts from)
        self.copied_words: dict[int, list[str]] = {}   # id of a COPY/ADD → its words expanded
        self._tasks: dict[int, asyncio.Future] = {}
        self._ordered: OrderedProgress  # made by _build_stages()
        self._first_steps: dict[int, int] = {}
        self._total = 0
        self.cache_sources: CacheSources | None = None
        self.steps: dict[str, str] = {}    # step key → image, for each step this build made or reused

    async def run(self, text: str) -> str:
        if self.options.cache_from:
            self.cache_sources = await asyncio.to_thread(CacheSources, self.b.images, self.options.cache_from)
        dockerfile = parse(text)
        self.lex = ShellLex(dockerfile.escape)
        self.plan = plan_build(dockerfile, self.options.target, self.options.labels)
        self.args.predefine(platform_args(self.options.platform or host_platform(), host_platform()))
        built = stage_graph.needed(self.plan, lambda word: self.lex.expand_word(word, self.args.meta_env()))
        self._first_steps, self._total = self.plan.first_steps(built), self.plan.steps_of(built)
        self.progress.planned(self.plan)
        for number, instruction in enumerate(self.plan.meta_args, 1):
            self.progress.step(number, self._total, instruction.original)
            self._declare_meta(instruction)
        target = await self._build_stages(built)
        unused = self.args.unconsumed()
        if unused:
            self.progress.text(f"[Warning] One or more build-args [{' '.join(unused)}] were not consumed\n")
        if target.image_id is None:
            raise InvalidArgument("No image was generated. Is your Dockerfile empty?")
        tags = await asyncio.to_thread(self._tag, target.image_id) if self.options.tags else []
        self.progress.finished(target.image_id, tags)
        return target.image_id

    def lookup(self, key: str, parent_id: str | None, created_by: str, config: dict) -> str | None:
        """The cached image of a step; with --cache-from, only one its sources allow (a
        source's layers may make a new image: blocking)."""
        if self.options.nocache:
            return None
        found = self.b.cache.lookup(key)
        if self.cache_sources is not None and (found is None or not self.cache_sources.admits(found)):
            found = self.cache_sources.restore(parent_id, created_by, config)
        if found is None and self.options.imported_cache is not None:
            found = self.options.imported_cache(key, parent_id)
            if found is not None:
                self.b.cache.store(key, found)
        if found is not None:
            self.steps[key] = found
        return found

    async def find(self, key: str, parent_id: str | None, created_by: str, config: dict) -> str | None:
        """`lookup` from the loop: a hit the cache knows without reading a file is answered here
        (a cached build's look-ups each cost more in a thread hop than in the look-up)."""
        if not self.options.nocache and self.cache_sources is None:
            found = self.b.cache.remembered(key)
            if found is not None:
                self.steps[key] = found
                return found
        return await asyncio.to_thread(self.lookup, key, parent_id, created_by, config)

    def store(self, key: str, image_id: str) -> None:
        """A step's new image, for the next build to reuse."""
        self.b.cache.store(key, image_id)
        self.steps[key] = image_id

    def _declare_meta(self, instruction: Instruction) -> None:
        for name, default in instruction.pairs:
            value = self.lex.expand_word(default, self.args.meta_env()) if default is not None else None
            self.args.declare_meta(name, value)

    async def _build_stages(self, built: list[int]) -> StageState:
        self._ordered = OrderedProgress(self.progress, built)
        for index in built:
            self._start(index)
        try:
            await asyncio.gather(*self._tasks.values())
        except BaseException:
            for task in self._tasks.values():
                task.cancel()
            await asyncio.gather(*self._tasks.values(), return_exceptions=True)
            self._ordered.flush()
            raise
        return self._tasks[self.plan.target].result()

    def _start(self, index: int) -> None:
        if index not in self._ordered.stages:
            self._ordered.add(index)   # reached only at run time (an ONBUILD trigger's --from)
        stage = self.plan.stages[index]
        first = self._first_steps.get(index) or self.plan.first_steps([*self._first_steps, index])[index]
        build = StageBuild(self, stage, self._ordered.stage(index), first)
        self._tasks[index] = asyncio.ensure_future(self._stage(index, build))

    async def _stage(self, index: int, build: StageBuild) -> StageState:
        state = await build.build()
        self._bases[index] = (build.base_image, build.from_stage)
        self._ordered.finish(index)
        return state

    def history_chain(self) -> tuple[str | None, list[Instruction]]:
        """The image the target's history starts from, and the instructions of each entry after
        it: those of the stages it starts from (the earliest first), then its own."""
        index, instructions = self.plan.target, list[Instruction]()
        while True:
            instructions[:0] = self.plan.stages[index].instructions
            base, earlier = self._bases.get(index, (None, None))
            if earlier is None:
                return base, instructions
            index = earlier

    async def stage_image(self, index: int) -> str | None:
        """The image a stage built (waiting for it; starting it if nothing asked for it yet)."""
        return (await self.stage_state(index)).image_id

    async def stage_state(self, index: int) -> StageState:
        """Where a stage ended: its image, config and ARGs."""
        if index not in self._tasks:
            self._start(index)
        return await asyncio.shield(self._tasks[index])

    @property
    def total_steps(self) -> int:
        return self._total

    async def resolve_base(self, name: str, report: Callable[[dict], None]) -> str:
        """A base image: a local tag is looked up on the loop (memory only: a thread hop would
        cost a cached build more), anything else in a thread (`resolve_image`)."""
        found = None if self.options.pull else self.b.images.store.tagged(name)
        if found is not None:
            return found
        return await asyncio.to_thread(self.resolve_image, name, report)

    def resolve_image(self, name: str, report: Callable[[dict], None]) -> str:
        """A base image: the local one, else (or always, with --pull) pulled. Runs in a thread."""
        if not self.options.pull:
            try:
                return self.b.images.resolve(name).id
            except NotFound:
                if self.b.puller is None:
                    raise NotFound(f"pull access denied for {_familiar(name)}, repository does not exist or "
                                   f"may require 'docker login': no such image {name} locally") from None
        def forward(message: dict) -> None:
            self.loop.call_soon_threadsafe(report, message)

        return self.b.puller.pull(name, self.options.registry_auths, forward)

    def _tag(self, image_id: str) -> list[str]:
        shown = []
        for tag in self.options.tags:
            ref = reference.parse(tag).with_default_tag()
            self.b.images.tag(image_id, ref.name, ref.tag)
            shown.append(ref.familiar())
        return shown


def _familiar(name: str) -> str:
    try:
        return reference.parse(name).familiar_name
    except InvalidArgument:
        return name
