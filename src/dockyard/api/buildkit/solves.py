"""The builds in flight, by BuildKit ref: what `Control.Solve`, `Control.Status` and the
gateway's calls for one build share (its session, its progress, the result the client returns)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from dockyard.api.buildkit.cache_options import CacheTransfer
from dockyard.api.buildkit.generated import control_pb2
from dockyard.api.grpc.framing import GrpcError, Status
from dockyard.builder.service import BuiltImage
from dockyard.builder.vertices import Event, Vertex, VertexLog, VertexStatus


@dataclass
class Solve:
    ref: str
    events: list[Event] = field(default_factory=list)
    session_id: asyncio.Future = field(default_factory=lambda: asyncio.get_running_loop().create_future())
    returned: asyncio.Future = field(default_factory=lambda: asyncio.get_running_loop().create_future())
    results: dict[str, str] = field(default_factory=dict)     # gateway ref id → image id
    entitlements: frozenset[str] = frozenset()                # what the client asked for (--allow)
    cache: CacheTransfer = field(default_factory=lambda: CacheTransfer([], []))   # --cache-from, --cache-to
    built: BuiltImage | None = None                           # the last build's image and steps
    done: bool = False
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    def emit(self, event: Event) -> None:
        self.events.append(event)
        self._changed.set()

    def finish(self) -> None:
        self.done = True
        self._changed.set()
        if not self.session_id.done():   # a gateway call waiting for the build's start: it never comes
            self.session_id.set_exception(GrpcError(Status.CANCELLED, f"build {self.ref} ended"))
            self.session_id.exception()   # retrieved: no "never retrieved" warning when nobody waited

    async def updates(self):
        """Every event so far, then each batch as it comes, until the build is done."""
        sent = 0
        while True:
            self._changed.clear()
            if sent < len(self.events):
                batch, sent = self.events[sent:], len(self.events)
                yield batch
                continue
            if self.done:
                return
            await self._changed.wait()


_LINGER = 30.0   # a finished build stays this long: its Status call may come after a quick failure


class Solves:
    def __init__(self) -> None:
        self._live: dict[str, Solve] = {}

    def get(self, ref: str) -> Solve:
        solve = self._live.get(ref)
        if solve is None:
            solve = self._live[ref] = Solve(ref)
        return solve

    def forget(self, ref: str) -> None:
        """Drop a finished build, after a while: buildx asks for its progress in a call of its
        own, which may reach us only after a build that failed at once is over."""
        solve = self._live.get(ref)
        if solve is not None:
            asyncio.get_running_loop().call_later(_LINGER, self._drop, ref, solve)

    def _drop(self, ref: str, solve: Solve) -> None:
        if self._live.get(ref) is solve:
            del self._live[ref]


def status_response(events: list[Event]) -> control_pb2.StatusResponse:
    response = control_pb2.StatusResponse()
    for event in events:
        if isinstance(event, Vertex):
            vertex = response.vertexes.add(digest=event.digest, inputs=event.inputs, name=event.name,
                                           cached=event.cached, error=event.error)
            _stamp(vertex.started, event.started)
            _stamp(vertex.completed, event.completed)
        elif isinstance(event, VertexStatus):
            status = response.statuses.add(ID=event.id, vertex=event.vertex, name=event.id,
                                           current=event.current, total=event.total)
            _stamp(status.timestamp, event.timestamp)
            _stamp(status.started, event.started)
            _stamp(status.completed, event.completed)
        elif isinstance(event, VertexLog):
            log = response.logs.add(vertex=event.vertex, stream=event.stream, msg=event.data)
            _stamp(log.timestamp, event.timestamp)
    return response


def _stamp(field_value, seconds: float | None) -> None:
    if seconds is not None:
        field_value.FromNanoseconds(int(seconds * 1e9))
