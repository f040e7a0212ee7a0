"""The classic builder: runs a build plan stage by stage, one image per instruction, each step
reused from the build cache when its parent image and inputs match (`POST /build`).

Blocking work (unpacking the context, mounting, copying, committing layers) runs in worker
threads; RUN steps go through the container service on the event loop.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import os
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Callable

from dockyard.builder.cache import BuildCache
from dockyard.builder.commit import commit_step
from dockyard.builder.context import BuildContext
from dockyard.builder.copy_step import CopyRequest, run_copy
from dockyard.builder.layers import BuildLayers
from dockyard.builder.progress import BuildProgress
from dockyard.builder.run_step import StepFailed, failure_message, run_command
from dockyard.dockerfile.build_args import BuildArgs, expansion_env
from dockyard.dockerfile.cache_keys import step_key
from dockyard.dockerfile.metadata import DEFAULT_SHELL, Expander, apply_metadata, command_of
from dockyard.dockerfile.parser import Instruction, parse, parse_line
from dockyard.dockerfile.lexer import lex
from dockyard.dockerfile.plan import BuildPlan, Stage, plan_build
from dockyard.dockerfile.shell_words import ShellLex
from dockyard.errors import DockyardError, InvalidArgument, NotFound
from dockyard.metadata.records import RecordStore
from dockyard.oci import reference
from dockyard.oci.defaults import DEFAULT_PATH
from dockyard.oci.digest import short_id
from dockyard.registry.credentials import Credentials
from dockyard.confined.paths import resolve_in_root

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
    registry_auths: dict[str, Credentials] = field(default_factory=dict)


@dataclass
class StageState:
    image_id: str | None
    config: dict[str, Any]
    declared: dict[str, str | None] = field(default_factory=dict)
    flags: dict[str, Any] = field(default_factory=dict)     # cmd_set, author


class Builder:
    def __init__(self, images, containers, stdio, layers: BuildLayers, cache: BuildCache, work_dir: str,
                 run_notes: RecordStore, puller=None):
        self.images, self.containers, self.stdio = images, containers, stdio
        self.layers, self.cache, self.work_dir = layers, cache, work_dir
        self.run_notes = run_notes  # RUN containers to remove even if the daemon dies meanwhile
        self.puller = puller  # images.puller.ImagePuller, or None where pulling is not available

    async def build(self, options: BuildOptions, context_stream: BinaryIO, send: Callable[[dict], None]) -> str:
        context = await asyncio.to_thread(BuildContext.unpack, context_stream, self.work_dir)
        try:
            text = await asyncio.to_thread(context.read_dockerfile, options.dockerfile)
            return await _Run(self, options, context, BuildProgress(send, options.quiet)).run(text)
        finally:
            await asyncio.to_thread(context.remove)

    async def build_directory(self, options: BuildOptions, context_root: str, dockerfile: str,
                              progress) -> tuple[str, "_Run"]:
        """A build whose context is already a directory (BuildKit's file sync made it) and whose
        Dockerfile came apart; the run comes back too, for what it learnt of the stages."""
        run = _Run(self, options, BuildContext(context_root), progress)
        return await run.run(dockerfile), run


class _Run:
    """One build: the plan, the build args, the images of finished stages."""

    def __init__(self, builder: Builder, options: BuildOptions, context: BuildContext, progress: BuildProgress):
        self.b, self.options, self.context, self.progress = builder, options, context, progress
        self.loop = asyncio.get_running_loop()
        self.args = BuildArgs(dict(options.build_args))
        self.stage_images: dict[int, str | None] = {}
        self.step = 0
        self.lex = ShellLex()
        self.plan: BuildPlan  # made by run()
        self.stage_base: str | None = None    # the base image of the stage built last

    async def run(self, text: str) -> str:
        dockerfile = parse(text)
        self.lex = ShellLex(dockerfile.escape)
        self.plan = plan_build(dockerfile, self.options.target, self.options.labels)
        self.progress.planned(self.plan)
        for instruction in self.plan.meta_args:
            self._announce(instruction)
            for name, default in instruction.pairs:
                value = self.lex.expand_word(default, self.args.meta_env()) if default is not None else None
                self.args.declare_meta(name, value)
        state = None
        for stage in self.plan.stages:
            state = await self._stage(stage)
            self.stage_images[stage.index] = state.image_id
            self.progress.stage_done(state.image_id)
        unused = self.args.unconsumed()
        if unused:
            self.progress.text(f"[Warning] One or more build-args [{' '.join(unused)}] were not consumed\n")
        if state is None or state.image_id is None:
            raise InvalidArgument("No image was generated. Is your Dockerfile empty?")
        tags = await asyncio.to_thread(self._tag, state.image_id)
        self.progress.finished(state.image_id, tags)
        return state.image_id

    def _announce(self, instruction: Instruction) -> None:
        self.step += 1
        self.progress.step(self.step, self.plan.total_steps, instruction.original)

    async def _stage(self, stage: Stage) -> StageState:
        self._announce(stage.source)
        state = await asyncio.to_thread(self._base, stage)
        self.stage_base = state.image_id
        await self._triggers(state)
        self.progress.image(state.image_id)
        for instruction in stage.instructions:
            self._announce(instruction)
            await self._dispatch(state, instruction)
            self.progress.image(state.image_id)
        return state

    def _base(self, stage: Stage) -> StageState:
        name = self.lex.expand_word(stage.base, self.args.meta_env())
        if not name:
            raise InvalidArgument(f"base name ({stage.base}) should not be blank")
        earlier = self.plan.stage_named(name, stage.index)
        if earlier is not None:
            image_id = self.stage_images[earlier.index]
        elif name.lower() == "scratch":
            image_id = None
        else:
            image_id = self._resolve_image(name)
        config = copy.deepcopy(self.b.images.config(image_id).get("config") or {}) if image_id else {}
        if not any(e.startswith("PATH=") for e in config.get("Env") or []):  # as dockerd (setDefaultPath)
            config["Env"] = [*(config.get("Env") or []), f"PATH={DEFAULT_PATH}"]
        return StageState(image_id, config)

    def _resolve_image(self, name: str) -> str:
        """A base image: the local one, else (or always, with --pull) pulled. Runs in a thread."""
        if not self.options.pull:
            try:
                return self.b.images.resolve(name).id
            except NotFound:
                if self.b.puller is None:
                    raise NotFound(f"pull access denied for {_familiar(name)}, repository does not exist or "
                                   f"may require 'docker login': no such image {name} locally") from None
        def report(message):
            return self.loop.call_soon_threadsafe(self.progress.message, message)
        return self.b.puller.pull(name, self.options.registry_auths, report)

    async def _triggers(self, state: StageState) -> None:
        """ONBUILD triggers of the base image run right after FROM."""
        triggers = state.config.get("OnBuild") or []
        if not triggers:
            return
        self.progress.text(f"# Executing {len(triggers)} build trigger{'s' if len(triggers) > 1 else ''}\n")
        state.config["OnBuild"] = None
        for trigger in triggers:
            line = lex(trigger).lines[0]
            await self._dispatch(state, parse_line(line, self.lex.escape))

    # ---- instructions --------------------------------------------------------------------

    async def _dispatch(self, state: StageState, instruction: Instruction) -> None:
        keyword = instruction.keyword
        if keyword == "RUN":
            await self._run(state, instruction)
        elif keyword in ("COPY", "ADD"):
            await self._copy(state, instruction)
        elif keyword == "ARG":
            await self._arg(state, instruction)
        else:
            await self._metadata(state, instruction)

    def _expander(self, state: StageState) -> Expander:
        env = expansion_env(state.config.get("Env") or [], self._args_in_effect(state))
        return Expander(lambda text: self.lex.expand_word(text, env), lambda text: self.lex.expand_words(text, env))

    def _args_in_effect(self, state: StageState) -> dict[str, str]:
        return self.args.in_effect(state.declared, state.config.get("Env") or [])

    def _nop(self, state: StageState, comment: str) -> str:
        return " ".join([*(state.config.get("Shell") or DEFAULT_SHELL), "#(nop) ", comment])

    async def _arg(self, state: StageState, instruction: Instruction) -> None:
        expand = self._expander(state)
        shown = []
        for name, default in instruction.pairs:
            self.args.declare(state.declared, name, expand.word(default) if default is not None else None)
            shown.append(f"{name}={default}" if default is not None else name)
        await self._commit_metadata(state, self._nop(state, "ARG " + " ".join(shown)))

    async def _metadata(self, state: StageState, instruction: Instruction) -> None:
        config = copy.deepcopy(state.config)
        flags = dict(state.flags)
        comment = apply_metadata(config, instruction, self._expander(state), flags)
        if instruction.keyword == "WORKDIR":
            await self._workdir(state, config, flags, self._nop(state, comment))
            return
        state.flags = flags
        state.config = config
        await self._commit_metadata(state, self._nop(state, comment))

    async def _commit_metadata(self, state: StageState, created_by: str) -> None:
        key = step_key(state.image_id or "", created_by, {"config": state.config})
        cached = self._cached(key)
        if cached is None:
            cached = await asyncio.to_thread(commit_step, self.b.images, state.image_id, state.config,
                                             created_by, None, state.flags.get("author", ""))
            self.b.cache.store(key, cached)
        state.image_id = cached

    def _cached(self, key: str) -> str | None:
        if self.options.nocache:
            return None
        found = self.b.cache.lookup(key)
        if found is not None:
            self.progress.using_cache()
        return found

    async def _workdir(self, state: StageState, config: dict, flags: dict, created_by: str) -> None:
        """WORKDIR also makes the directory, as a layer, when the image lacks it."""
        state.config, state.flags = config, flags
        key = step_key(state.image_id or "", created_by, {"config": config})
        cached = self._cached(key)
        if cached is None:
            cached = await asyncio.to_thread(self._make_workdir, state, created_by)
            self.b.cache.store(key, cached)
        state.image_id = cached

    def _make_workdir(self, state: StageState, created_by: str) -> str:
        with self.b.layers.writable(state.image_id) as (key, root):
            target = resolve_in_root(root, state.config["WorkingDir"])
            diff_id = None
            if not os.path.isdir(target):
                os.makedirs(target, 0o755, exist_ok=True)
                diff_id = self.b.layers.commit(key, state.image_id).diff_id
        return commit_step(self.b.images, state.image_id, state.config, created_by, diff_id,
                           state.flags.get("author", ""))

    async def _copy(self, state: StageState, instruction: Instruction) -> None:
        expand = self._expander(state)
        words = [expand.word(a) for a in instruction.args]
        source_image = self._copy_source(instruction, expand)
        request = CopyRequest(
            keyword=instruction.keyword, sources=words[:-1], dest=words[-1],
            workdir=state.config.get("WorkingDir") or "",
            chown=expand.word(instruction.flags["chown"]) if "chown" in instruction.flags else "",
            chmod=instruction.flags.get("chmod", ""), from_image=source_image, from_given="from" in instruction.flags,
            parent_id=state.image_id, config=state.config, author=state.flags.get("author", ""),
            nop_prefix=" ".join([*(state.config.get("Shell") or DEFAULT_SHELL), "#(nop)"]),
            nocache=self.options.nocache)
        image_id, cached = await asyncio.to_thread(run_copy, self.b, self.context.root, request)
        if cached:
            self.progress.using_cache()
        state.image_id = image_id

    def _copy_source(self, instruction: Instruction, expand: Expander) -> str | None:
        """The image a `--from` names (a finished stage, or a local image), if any."""
        if "from" not in instruction.flags:
            return None
        name = expand.word(instruction.flags["from"])
        current = len(self.stage_images)
        stage = self.plan.stage_named(name, current)
        if stage is not None:
            return self.stage_images[stage.index]
        if name.isdigit():
            raise InvalidArgument(f"invalid from flag value {name}: refers to current build stage")
        return self._resolve_image(name)

    async def _run(self, state: StageState, instruction: Instruction) -> None:
        command = command_of(instruction, state.config)
        recorded = self.args.history_args(state.declared, state.config.get("Env") or [])
        created_by = " ".join(([f"|{len(recorded)}", *recorded] if recorded else []) + command)
        effect = self._args_in_effect(state)
        key = step_key(state.image_id or "", created_by, {"host": self.options.host_config, "args": effect})
        cached = self._cached(key)
        if cached is None:
            if state.image_id is None:
                raise InvalidArgument("a RUN step needs a base image with a shell: FROM scratch has none")
            cached = await self._run_container(state, state.image_id, command, created_by, effect)
            self.b.cache.store(key, cached)
        state.image_id = cached

    async def _run_container(self, state: StageState, image_id: str, command: list[str], created_by: str,
                             args: dict[str, str]) -> str:
        env = list(state.config.get("Env") or []) + [f"{k}={v}" for k, v in sorted(args.items())]
        made: list[str] = []
        succeeded = failed = False
        try:
            container_id, code = await run_command(
                self.b.containers, self.b.stdio, image_id, state.config, command, env,
                self.options.host_config, lambda cid: self._started(made, cid), self.progress.output)
            if code != 0:
                failed = True
                raise StepFailed(failure_message(command, code), code, command)
            layer = await asyncio.to_thread(self.b.layers.commit, container_id, state.image_id, True)
            image_id = await asyncio.to_thread(commit_step, self.b.images, state.image_id, state.config,
                                               created_by, layer.diff_id, state.flags.get("author", ""))
            succeeded = True
            return image_id
        finally:
            kept = failed and not self.options.forcerm  # as dockerd: the failed step's container stays
            if made and self._removes_containers:
                if succeeded:
                    self.progress.text(f"Removing intermediate container {short_id(made[0])}\n")
                if not kept:
                    await self._remove_container(made[0])
                self.b.run_notes.delete(made[0])

    @property
    def _removes_containers(self) -> bool:
        return self.options.rm or self.options.forcerm

    async def _remove_container(self, container_id: str) -> None:
        """Remove a RUN step's container; a failure here must not hide the step's own error."""
        try:
            await self.b.containers.remove(container_id, True, True)
        except DockyardError as err:
            log.warning("removing intermediate container %s: %s", short_id(container_id), err)

    def _started(self, made: list[str], container_id: str) -> None:
        made.append(container_id)
        if self._removes_containers:
            self.b.run_notes.put(container_id, {}, durable=False)
        self.progress.text(f" ---> Running in {short_id(container_id)}\n")

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
