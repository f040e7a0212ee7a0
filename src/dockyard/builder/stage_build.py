"""One stage of a build: its base image, its base's ONBUILD triggers, then its instructions,
each an image (a metadata step commits an `empty_layer` history entry; WORKDIR, COPY/ADD and
RUN commit a layer), each reused from the build cache when it can be.

A stage that reads another (`FROM <stage>`, `COPY --from`, `RUN --mount=from=`) waits for
that stage's image when it gets there; its progress goes to its `StageProgress`.
"""

from __future__ import annotations

import asyncio
import copy
import os
from dataclasses import dataclass, field
from typing import Any

from dockyard.confined.paths import resolve_in_root
from dockyard.builder.commit import commit_step
from dockyard.builder.copy_step import CopyRequest, run_copy, small_copy_key
from dockyard.builder.platforms import build_platform
from dockyard.builder.run_mounts import MountSources
from dockyard.builder.run_step import RunRequest, RunStep
from dockyard.dockerfile.build_args import expansion_env
from dockyard.dockerfile.cache_keys import step_key
from dockyard.dockerfile.lexer import lex
from dockyard.dockerfile.metadata import DEFAULT_SHELL, Expander, apply_metadata
from dockyard.dockerfile.parser import Instruction, parse_line
from dockyard.dockerfile.plan import Stage
from dockyard.dockerfile.run_command import run_command
from dockyard.dockerfile.run_mounts import SSH, parse_mount, resolve
from dockyard.dockerfile.shell_words import ShellLex
from dockyard.errors import InvalidArgument
from dockyard.oci.defaults import DEFAULT_PATH


@dataclass
class StageState:
    image_id: str | None
    config: dict[str, Any]
    declared: dict[str, str | None] = field(default_factory=dict)
    flags: dict[str, Any] = field(default_factory=dict)     # cmd_set, author
    # BuildKit: the ARG values of the stage this one starts from, which its steps still see
    # (BuildKit keeps them in the build state's env) but its RUN history lines do not name
    inherited: dict[str, str] = field(default_factory=dict)


class StageBuild:
    def __init__(self, run, stage: Stage, progress, first_step: int):
        self.run, self.stage, self.progress = run, stage, progress
        self.b, self.options = run.b, run.options
        self.step = first_step - 1
        self.base_image: str | None = None
        self.from_stage: int | None = None    # the earlier stage this one starts from
        self.runs = RunStep(self.b, self.options, progress, run.find, run.store)

    async def build(self) -> StageState:
        self.progress.stage_started(self.stage.index)
        self._announce(self.stage.source, f"FROM {self._base_name()}")
        state = await self._base()
        self.base_image = state.image_id
        await self._triggers(state)
        self.progress.image(state.image_id)
        for instruction in self.stage.instructions:
            self._announce(instruction, self._shown(instruction, state))
            await self._dispatch(state, instruction)
            self.progress.image(state.image_id)
        self.progress.stage_done(state.image_id)
        return state

    def _announce(self, instruction: Instruction, shown: str) -> None:
        self.step += 1
        self.progress.step(self.step, self.run.total_steps, instruction.original, shown)

    def _shown(self, instruction: Instruction, state: StageState) -> str:
        """The step as BuildKit names it: its variables expanded (in a RUN, quotes kept and unset
        variables left as written); as written when that fails (the step reports the error)."""
        env = expansion_env(state.config.get("Env") or [], self._args_in_effect(state))
        run = instruction.keyword == "RUN"
        try:
            return ShellLex(self.run.lex.escape, raw_quotes=run, skip_unset=run).expand_word(instruction.original, env)
        except InvalidArgument:
            return instruction.original

    def _base_name(self) -> str:
        try:
            return self.run.lex.expand_word(self.stage.base, self.run.args.meta_env())
        except InvalidArgument:
            return self.stage.base

    async def _base(self) -> StageState:
        name = self.run.lex.expand_word(self.stage.base, self.run.args.meta_env())
        if "platform" in self.stage.source.flags:  # BuildKit's FROM --platform, with the meta args
            build_platform(self.run.lex.expand_word(self.stage.source.flags["platform"], self.run.args.meta_env()),
                           "FROM --platform")
        if not name:
            raise InvalidArgument(f"base name ({self.stage.base}) should not be blank")
        earlier = self.run.plan.stage_named(name, self.stage.index)
        inherited: dict[str, str] = {}
        if earlier is not None:
            self.from_stage = earlier.index
            before = await self.run.stage_state(earlier.index)
            image_id = before.image_id
            if self.options.buildkit:
                inherited = self._args_in_effect(before)
        elif name.lower() == "scratch":
            image_id = None
        else:
            image_id = await self.run.resolve_base(name, self.progress.message)
        config = copy.deepcopy(self.b.images.config(image_id).get("config") or {}) if image_id else {}
        if not any(e.startswith("PATH=") for e in config.get("Env") or []):  # as dockerd (setDefaultPath)
            config["Env"] = [*(config.get("Env") or []), f"PATH={DEFAULT_PATH}"]
        return StageState(image_id, config, inherited=inherited)

    async def _triggers(self, state: StageState) -> None:
        """ONBUILD triggers of the base image run right after FROM."""
        triggers = state.config.get("OnBuild") or []
        if not triggers:
            return
        self.progress.text(f"# Executing {len(triggers)} build trigger{'s' if len(triggers) > 1 else ''}\n")
        state.config["OnBuild"] = None
        for trigger in triggers:
            line = lex(trigger).lines[0]
            await self._dispatch(state, parse_line(line, self.run.lex.escape))

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
        lexer, documents = self.run.lex, ShellLex("\\", quotes=False)
        return Expander(lambda text: lexer.expand_word(text, env), lambda text: lexer.expand_words(text, env),
                        lambda text: documents.expand_word(text, env))

    def _args_in_effect(self, state: StageState) -> dict[str, str]:
        env = state.config.get("Env") or []
        inherited = {k: v for k, v in state.inherited.items() if not any(e.startswith(k + "=") for e in env)}
        return {**inherited, **self.run.args.in_effect(state.declared, env)}

    def _nop(self, state: StageState, comment: str) -> list[str]:
        """The command dockerd records for a step that runs nothing (its history line joined)."""
        return [*(state.config.get("Shell") or DEFAULT_SHELL), "#(nop) ", comment]

    async def _arg(self, state: StageState, instruction: Instruction) -> None:
        expand = self._expander(state)
        shown = []
        for name, default in instruction.pairs:
            self.run.args.declare(state.declared, name, expand.word(default) if default is not None else None,
                                  state.inherited)
            shown.append(f"{name}={default}" if default is not None else name)
        await self._commit_metadata(state, self._nop(state, "ARG " + " ".join(shown)))

    async def _metadata(self, state: StageState, instruction: Instruction) -> None:
        config = copy.deepcopy(state.config)
        flags = dict(state.flags)
        comment = apply_metadata(config, instruction, self._expander(state), flags)
        if instruction.keyword == "WORKDIR":   # dockerd: one word, `#(nop) WORKDIR /w`
            await self._workdir(state, config, flags, [*(config.get("Shell") or DEFAULT_SHELL), "#(nop) " + comment])
            return
        state.flags = flags
        state.config = config
        await self._commit_metadata(state, self._nop(state, comment))

    async def _commit_metadata(self, state: StageState, step_cmd: list[str]) -> None:
        key = step_key(state.image_id or "", " ".join(step_cmd), {"config": state.config})
        cached = await self._cached(key, state, " ".join(step_cmd))
        if cached is None:
            cached = await asyncio.to_thread(commit_step, self.b.images, state.image_id, state.config,
                                             step_cmd, None, state.flags.get("author", ""))
            self.run.store(key, cached)
        state.image_id = cached

    async def _cached(self, key: str, state: StageState, created_by: str) -> str | None:
        found = await self.run.find(key, state.image_id, created_by, state.config)
        if found is not None:
            self.progress.using_cache()
        return found

    async def _workdir(self, state: StageState, config: dict, flags: dict, step_cmd: list[str]) -> None:
        """WORKDIR also makes the directory, as a layer, when the image lacks it."""
        state.config, state.flags = config, flags
        key = step_key(state.image_id or "", " ".join(step_cmd), {"config": config})
        cached = await self._cached(key, state, " ".join(step_cmd))
        if cached is None:
            cached = await asyncio.to_thread(self._make_workdir, state, step_cmd)
            self.run.store(key, cached)
        state.image_id = cached

    def _make_workdir(self, state: StageState, step_cmd: list[str]) -> str:
        with self.b.layers.writable(state.image_id) as (key, root):
            target = resolve_in_root(root, state.config["WorkingDir"])
            diff_id = None
            if not os.path.isdir(target):
                os.makedirs(target, 0o755, exist_ok=True)
                diff_id = self.b.layers.commit_scratch(key, root, state.image_id).diff_id
        return commit_step(self.b.images, state.image_id, state.config, step_cmd, diff_id,
                           state.flags.get("author", ""))

    async def _copy(self, state: StageState, instruction: Instruction) -> None:
        expand = self._expander(state)
        self.run.copied_words[id(instruction)] = [expand.word(word) for word in instruction.args]
        from_given = "from" in instruction.flags
        request = CopyRequest(
            instruction=instruction, expand=expand, workdir=state.config.get("WorkingDir") or "",
            from_image=await self._image_of(instruction.flags["from"]) if from_given else None,
            from_given=from_given, parent_id=state.image_id, config=state.config,
            author=state.flags.get("author", ""),
            shell=list(state.config.get("Shell") or DEFAULT_SHELL), nocache=self.options.nocache,
            lookup=self.run.lookup, store=self.run.store)
        small = small_copy_key(self.run.context.root, request)   # a few small files: no thread hop
        if small is not None:
            found = await self.run.find(small[0], state.image_id, small[1], state.config)
            if found is not None:
                self.progress.using_cache()
                state.image_id = found
                return
        image_id, cached = await asyncio.to_thread(run_copy, self.b, self.run.context.root, request)
        if cached:
            self.progress.using_cache()
        state.image_id = image_id

    async def _image_of(self, name: str) -> str | None:
        """The image a `--from` names: a stage built before this one, or an image (pulled if
        need be). Names are taken as written, as Docker takes them."""
        stage = self.run.plan.stage_named(name, self.stage.index)
        if stage is not None:
            return await self.run.stage_image(stage.index)
        if name.isdigit():
            raise InvalidArgument(f"invalid from flag value {name}: refers to current build stage")
        if name.lower() == "scratch":
            return None
        try:
            return await self.run.resolve_base(name, self.progress.message)
        except InvalidArgument as err:
            raise InvalidArgument(f"invalid from flag value {name}: {err.message}") from None

    async def _run(self, state: StageState, instruction: Instruction) -> None:
        command = run_command(instruction, state.config)
        recorded = self.run.args.history_args(state.declared, state.config.get("Env") or [])
        step_cmd = ([f"|{len(recorded)}", *recorded] if recorded else []) + command.argv
        expand = self._expander(state)
        workdir = state.config.get("WorkingDir") or "/"
        parsed = [parse_mount(value, expand.word) for value in instruction.flag_lists.get("mount", [])]
        mounts = [resolve(m, workdir, sum(1 for p in parsed[:i] if p.type == SSH)) for i, m in enumerate(parsed)]
        request = RunRequest(
            parent_id=state.image_id, config=state.config, command=command, step_cmd=step_cmd,
            args=self._args_in_effect(state), mounts=mounts, network=instruction.flags.get("network", "default"),
            security=instruction.flags.get("security", "sandbox"), author=state.flags.get("author", ""))
        state.image_id = await self.runs.run(request, MountSources(self.run.context.root, self._image_of))
