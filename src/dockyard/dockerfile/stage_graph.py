"""Which stages a build needs, and what each waits for (pure).

As BuildKit does, only the target stage and the stages it reaches are built: through its
`FROM <stage>`, `COPY --from=<stage>` and `RUN --mount=from=<stage>`, followed recursively.
Stages that do not depend on each other can be built at the same time. Names are read with the
meta ARGs (the values a FROM line sees); a stage named only through a variable of the stage
itself is found when the build reaches that instruction.
"""

from __future__ import annotations

from typing import Callable

from dockyard.dockerfile.plan import BuildPlan, Stage
from dockyard.dockerfile.run_mounts import parse_mount
from dockyard.errors import InvalidArgument


def dependencies(plan: BuildPlan, stage: Stage, expand: Callable[[str], str]) -> set[int]:
    """Indexes of the earlier stages `stage` reads."""
    found: set[int] = set()
    for name in _named_sources(stage, expand):
        earlier = plan.stage_named(name, stage.index)
        if earlier is not None:
            found.add(earlier.index)
    return found


def needed(plan: BuildPlan, expand: Callable[[str], str]) -> list[int]:
    """The stages the target needs (itself included), in Dockerfile order."""
    wanted = {plan.target}
    pending = [plan.target]
    while pending:
        stage = plan.stages[pending.pop()]
        for index in dependencies(plan, stage, expand):
            if index not in wanted:
                wanted.add(index)
                pending.append(index)
    return sorted(wanted)


def _named_sources(stage: Stage, expand: Callable[[str], str]) -> list[str]:
    names = [_expanded(stage.base, expand)]
    for instruction in stage.instructions:
        if instruction.keyword in ("COPY", "ADD") and "from" in instruction.flags:
            names.append(_expanded(instruction.flags["from"], expand))
        elif instruction.keyword == "RUN":
            for value in instruction.flag_lists.get("mount", []):
                try:
                    source = parse_mount(value).from_
                except InvalidArgument:
                    continue  # reported when the RUN is reached
                if source:
                    names.append(source)
    return names


def _expanded(text: str, expand: Callable[[str], str]) -> str:
    try:
        return expand(text)
    except InvalidArgument:
        return text
