"""A parsed Dockerfile → the build plan: meta ARGs, stages up to the target, step numbers (pure).

The target is `--target` (or the last stage). The classic builder numbers every instruction
of the stages it builds, meta ARGs and FROMs included (`Step 3/9 : ...`), and `--label` values
become one extra LABEL instruction at the end of the target. Which stages are built is
`stage_graph.needed` (the ones the target reaches).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from dockyard.dockerfile.parser import Dockerfile, Instruction
from dockyard.errors import InvalidArgument

_STAGE_NAME = re.compile(r"[a-z][a-z0-9-_.]*")


@dataclass
class Stage:
    index: int
    name: str                       # lower case; "" when unnamed
    base: str                       # the FROM image as written (may hold $ARGs)
    source: Instruction             # the FROM instruction
    instructions: list[Instruction] = field(default_factory=list)


@dataclass
class BuildPlan:
    meta_args: list[Instruction]
    stages: list[Stage]             # every stage up to the target; `index` is the position
    escape: str
    written_stages: int = 0         # the Dockerfile's stages, the target's later ones too

    @property
    def target(self) -> int:
        return len(self.stages) - 1

    @property
    def total_steps(self) -> int:
        return self.steps_of(range(len(self.stages)))

    def steps_of(self, built) -> int:
        """How many steps a build of the stages `built` numbers."""
        return len(self.meta_args) + sum(1 + len(self.stages[i].instructions) for i in built)

    def first_steps(self, built: list[int]) -> dict[int, int]:
        """The number of each built stage's FROM step (the stages numbered in file order)."""
        numbers, step = {}, len(self.meta_args)
        for index in sorted(built):
            numbers[index] = step + 1
            step += 1 + len(self.stages[index].instructions)
        return numbers

    def stage_named(self, name: str, before: int) -> Stage | None:
        """A stage referred to by `--from` / `FROM`: by name or index, built before `before`."""
        wanted = name.lower()
        for stage in self.stages[:before]:
            if stage.name == wanted or (wanted.isdigit() and int(wanted) == stage.index):
                return stage
        return None


def plan_build(dockerfile: Dockerfile, target: str = "", labels: dict[str, str] | None = None) -> BuildPlan:
    meta_args: list[Instruction] = []
    stages: list[Stage] = []
    for instruction in dockerfile.instructions:
        if instruction.keyword == "FROM":
            stages.append(_new_stage(instruction, len(stages), stages))
        elif not stages:
            if instruction.keyword != "ARG":
                raise InvalidArgument("no build stage in current context")
            meta_args.append(instruction)
        else:
            stages[-1].instructions.append(instruction)
    if not stages:
        raise InvalidArgument("no build stage in current context")
    written = len(stages)
    if target:
        index = next((s.index for s in stages if s.name == target.lower()), None)
        if index is None:
            raise InvalidArgument(f"failed to reach build target {target} in Dockerfile")
        stages = stages[:index + 1]
    if labels:
        stages[-1].instructions.append(label_instruction(labels))
    return BuildPlan(meta_args, stages, dockerfile.escape, written)


def _new_stage(instruction: Instruction, index: int, earlier: list[Stage]) -> Stage:
    name = instruction.args[2].lower() if len(instruction.args) == 3 else ""
    if name:
        if not _STAGE_NAME.fullmatch(name):
            raise InvalidArgument(f'invalid name for build stage: "{instruction.args[2]}", '
                                  "name can't start with a number or contain symbols")
        if any(s.name == name for s in earlier):
            raise InvalidArgument(f"duplicate name {name}")
    return Stage(index, name, instruction.args[0], instruction)


def label_instruction(labels: dict[str, str]) -> Instruction:
    """The extra step `--label k=v` adds; values single-quoted so they are not expanded."""
    keys = sorted(labels)
    return Instruction(keyword="LABEL", args=[], lineno=0,
                       original="LABEL " + " ".join(f"{k}={labels[k]}" for k in keys),
                       pairs=[(k, "'" + labels[k].replace("'", "'\\''") + "'") for k in keys])
