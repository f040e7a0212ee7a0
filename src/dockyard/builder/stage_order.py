"""The progress of stages built at the same time, told one stage after another.

Stages that do not depend on each other are built concurrently, but a build's progress
(`Step 3/9 : ...`, a RUN's output, `aux` IDs) reads as if they ran in Dockerfile order: each
stage gets a `StageProgress` that passes its calls through while it is the earliest stage
not finished, and records them otherwise; when that stage finishes, the next one's record is
replayed and it goes live. Any progress object with the classic builder's methods works
behind it (the JSON lines of `POST /build`, BuildKit's vertexes).
"""

from __future__ import annotations

from typing import Any

class StageProgress:
    """The classic builder's progress calls of one stage."""

    def __init__(self, order: "OrderedProgress", index: int):
        self._order, self.index = order, index
        self.recorded: list[tuple[str, tuple[Any, ...]]] = []
        self.quiet = order.target.quiet

    def text(self, text: str) -> None:
        self._order.call(self, "text", (text,))

    def message(self, message: dict) -> None:
        self._order.call(self, "message", (message,))

    def stage_started(self, index: int) -> None:
        self._order.call(self, "stage_started", (index,))

    def step(self, number: int, total: int, original: str, shown: str = "") -> None:
        self._order.call(self, "step", (number, total, original, shown))

    def image(self, image_id: str | None) -> None:
        self._order.call(self, "image", (image_id,))

    def using_cache(self) -> None:
        self._order.call(self, "using_cache", ())

    def output(self, stream: int, data: bytes) -> None:
        self._order.call(self, "output", (stream, data))

    def stage_done(self, image_id: str | None) -> None:
        self._order.call(self, "stage_done", (image_id,))


class OrderedProgress:
    def __init__(self, target, stage_indexes: list[int]):
        self.target = target
        self._stages = {i: StageProgress(self, i) for i in stage_indexes}
        self._pending = sorted(stage_indexes)
        self._done: set[int] = set()

    @property
    def stages(self) -> set[int]:
        return set(self._stages)

    def stage(self, index: int) -> StageProgress:
        return self._stages[index]

    def add(self, index: int) -> None:
        """A stage found only while building; it takes its place in the order."""
        self._stages[index] = StageProgress(self, index)
        self._pending = sorted([*self._pending, index])

    def call(self, stage: StageProgress, name: str, args: tuple[Any, ...]) -> None:
        if self._pending and self._pending[0] == stage.index:
            getattr(self.target, name)(*args)
        else:
            stage.recorded.append((name, args))

    def finish(self, index: int) -> None:
        """Stage `index` is done: the stages after it, in order, may speak."""
        self._done.add(index)
        while self._pending and self._pending[0] in self._done:
            self._pending.pop(0)
            if self._pending:
                self._replay(self._stages[self._pending[0]])

    def flush(self) -> None:
        """Everything recorded, in stage order (a build that failed part-way)."""
        while self._pending:
            self._replay(self._stages[self._pending.pop(0)])

    def _replay(self, stage: StageProgress) -> None:
        recorded, stage.recorded = stage.recorded, []
        for name, args in recorded:
            getattr(self.target, name)(*args)
