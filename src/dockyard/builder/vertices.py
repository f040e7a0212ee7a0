"""A build's progress as BuildKit reports it: vertexes (one per step that changes the file
system, named `[stage k/n] RUN ...` as BuildKit's Dockerfile frontend names them), their
statuses and their logs. `VertexProgress` takes the classic builder's progress calls and
turns them into these events; the API edge streams them (`Control.Status`)."""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass, field
from typing import Callable

from dockyard.dockerfile.plan import BuildPlan
from dockyard.errors import InvalidArgument
from dockyard.oci import reference

_COUNTED = ("RUN", "COPY", "ADD", "WORKDIR")   # with FROM, the steps BuildKit numbers


@dataclass
class Vertex:
    digest: str
    name: str
    inputs: list[str] = field(default_factory=list)
    started: float | None = None
    completed: float | None = None
    cached: bool = False
    error: str = ""


@dataclass
class VertexStatus:
    id: str
    vertex: str
    current: int = 0
    total: int = 0
    started: float | None = None
    completed: float | None = None
    timestamp: float = 0.0


@dataclass
class VertexLog:
    vertex: str
    data: bytes
    stream: int = 1
    timestamp: float = 0.0


Event = Vertex | VertexStatus | VertexLog


class BuildEvents:
    """Makes events and hands copies of each to `emit` (the build's progress stream)."""

    def __init__(self, emit: Callable[[Event], None], seed: str):
        self._emit, self._seed = emit, seed
        self._count = 0

    def start(self, name: str, inputs: list[str] | None = None, started: float | None = None) -> Vertex:
        """`started`: when the work began, if it began before it could be told (see frontend.load)."""
        self._count += 1
        digest = "sha256:" + hashlib.sha256(f"{self._seed}/{self._count}/{name}".encode()).hexdigest()
        vertex = Vertex(digest, name, list(inputs or []), started=started or time.time())
        self._emit(_copy(vertex))
        return vertex

    def done(self, vertex: Vertex, cached: bool = False, error: str = "") -> None:
        if vertex.completed is not None:
            return
        vertex.completed = time.time()
        vertex.cached = vertex.cached or cached
        vertex.error = error
        self._emit(_copy(vertex))

    def cached(self, name: str, inputs: list[str] | None = None) -> Vertex:
        vertex = self.start(name, inputs)
        self.done(vertex, cached=True)
        return vertex

    def status(self, vertex: Vertex, status_id: str, current: int = 0, total: int = 0, done: bool = True) -> None:
        now = time.time()
        self._emit(VertexStatus(status_id, vertex.digest, current, total, vertex.started or now,
                                now if done else None, now))

    def log(self, vertex: Vertex, data: bytes, stream: int = 1) -> None:
        if data:
            self._emit(VertexLog(vertex.digest, data, stream, time.time()))


def _copy(vertex: Vertex) -> Vertex:
    return Vertex(vertex.digest, vertex.name, list(vertex.inputs), vertex.started, vertex.completed,
                  vertex.cached, vertex.error)


class VertexProgress:
    """The classic builder's progress interface (see builder.progress), told as vertexes."""

    def __init__(self, events: BuildEvents):
        self.events = events
        self.quiet = False
        self._plan: BuildPlan | None = None
        self._stage = -1
        self._next_stage: int | None = None  # the plan's index of the stage whose FROM comes next
        self._index = 0
        self._total = 0
        self._current: Vertex | None = None
        self._last: str | None = None        # the digest the next step builds on
        self._stage_heads: dict[int, str | None] = {}
        self._bases: dict[str, str] = {}     # FROM image → its vertex

    def planned(self, plan: BuildPlan) -> None:
        self._plan = plan

    def stage_started(self, index: int) -> None:
        """Only the stages the target needs are built: the next FROM is stage `index`'s."""
        self._next_stage = index

    def step(self, number: int, total: int, original: str, shown: str = "") -> None:
        keyword = original.split(None, 1)[0].upper() if original.strip() else ""
        original = shown or original
        if keyword == "FROM":
            self._close()
            if self._stage >= 0:
                self._stage_heads[self._stage] = self._last
            self._stage = self._stage + 1 if self._next_stage is None else self._next_stage
            self._next_stage = None
            self._from(original)
        elif keyword in _COUNTED and self._plan is not None:
            self._close()
            self._current = self.events.start(self._name(original), [self._last] if self._last else [])
            self._last = self._current.digest
        else:
            self._close()

    def _from(self, original: str) -> None:
        stage = self._plan.stages[self._stage] if self._plan and self._stage < len(self._plan.stages) else None
        self._index, self._total = 0, sum(1 for i in (stage.instructions if stage else []) if i.keyword in _COUNTED)
        base = original.split()[1] if len(original.split()) > 1 else ""
        earlier = self._plan.stage_named(base, self._stage) if self._plan else None
        if earlier is not None:   # BuildKit numbers no FROM of an earlier stage, nor of scratch
            self._last = self._stage_heads.get(earlier.index)
            return
        if base.lower() == "scratch":
            self._last = None
            return
        self._total += 1
        try:
            parsed = reference.parse(base)
            shown, image = str(parsed), str(parsed.with_default_tag())
        except InvalidArgument:
            shown = image = base
        if image in self._bases:   # BuildKit's one vertex for one image, named by its first stage
            self._index += 1
            self._last = self._bases[image]
            return
        self._current = self.events.start(self._name(f"FROM {shown}"))
        self._bases[image] = self._current.digest
        self._current.cached = True   # BuildKit shows CACHED when the image is there; a pull clears it
        self._last = self._current.digest

    def _name(self, text: str) -> str:
        self._index += 1
        stage = self._plan.stages[self._stage] if self._plan and 0 <= self._stage < len(self._plan.stages) else None
        prefix = ""
        if self._plan is not None and max(self._plan.written_stages, len(self._plan.stages)) > 1 and stage is not None:
            prefix = (stage.name or f"stage-{stage.index}") + " "
        width = int(1 + math.log10(self._total)) if self._total else 1
        return f"[{prefix}{self._index:>{width}}/{self._total}] {text}"

    def _close(self, error: str = "") -> None:
        if self._current is not None:
            self.events.done(self._current, error=error)
            self._current = None

    def fail(self, message: str) -> None:
        self._close(message)

    def using_cache(self) -> None:
        if self._current is not None:
            self.events.done(self._current, cached=True)
            self._current = None

    def output(self, stream: int, data: bytes) -> None:
        if self._current is not None:
            self.events.log(self._current, data, stream)

    def text(self, text: str) -> None:
        """The classic builder's chatter (` ---> Running in ...`): BuildKit shows none of it."""

    def message(self, message: dict) -> None:
        """A base image's pull, line by line: shown as the FROM step's statuses."""
        if self._current is not None:
            self._current.cached = False
            if message.get("id") and message.get("status"):
                self.events.status(self._current, f"{message['status']} {message['id']}", done=True)

    def image(self, image_id: str | None) -> None:
        pass

    def stage_done(self, image_id: str | None) -> None:
        self._close()

    def finished(self, image_id: str, tags: list[str]) -> None:
        self._close()
