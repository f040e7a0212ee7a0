"""BuildKit's control API (`moby.buildkit.v1.Control`) and the frontend gateway
(`moby.buildkit.v1.frontend.LLBBridge`), served on `POST /grpc`, mapped onto the build service.

buildx builds through the gateway: `Control.Solve` (session, exporters) and, on the same
connection with the build's ref in `buildkit-controlapi-buildid`, `LLBBridge.Ping`, `LLBBridge.Solve`
(the `dockerfile.v0` frontend, which our builder runs) and `LLBBridge.Return` (the result to
export). `Control.Status` streams the build's vertexes meanwhile.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import platform
import socket

from dockyard import __version__
from dockyard.api.buildkit import cache_options, exporter, frontend
from dockyard.api.buildkit.auth import SessionAuths
from dockyard.api.buildkit.client_session import ClientSession
from dockyard.api.buildkit.generated import control_pb2, gateway_pb2, worker_pb2
from dockyard.api.buildkit.sessions import Sessions
from dockyard.api.buildkit.solves import Solves, status_response
from dockyard.api.grpc.calls import ServerCall
from dockyard.api.grpc.framing import GrpcError, Status
from dockyard.builder.session import NETWORK_HOST
from dockyard.builder.vertices import BuildEvents
from dockyard.errors import DockyardError

log = logging.getLogger(__name__)

CONTROL = "/moby.buildkit.v1.Control/"
GATEWAY = "/moby.buildkit.v1.frontend.LLBBridge/"
_GATEWAY_CAPS = ("solve.base", "solve.inlinereturn", "return", "proto.refarray", "frontend.inputs",
                 "gateway.solve.metadata", "readfile")
_SNAPSHOTTER = "org.mobyproject.buildkit.worker.snapshotter"
BUILDKIT_VERSION = "v0.8.3"  # what dockerd 20.10 embeds: the protocol level served here

_NO_LLB = "LLB definitions are not supported: this daemon builds Dockerfiles (the dockerfile.v0 frontend)"


class BuildKitControl:
    def __init__(self, services, sessions: Sessions):
        self._services, self._sessions = services, sessions
        self._solves = Solves()
        self._results = 0

    def methods(self) -> dict:
        return {
            CONTROL + "ListWorkers": self.list_workers, CONTROL + "Info": self.info,
            CONTROL + "Solve": self.solve, CONTROL + "Status": self.status,
            CONTROL + "DiskUsage": self.disk_usage, CONTROL + "Prune": self.prune,
            GATEWAY + "Ping": self.ping, GATEWAY + "Solve": self.gateway_solve, GATEWAY + "Return": self.gateway_return,
        }

    # ---- workers and version --------------------------------------------------------------

    def worker(self) -> worker_pb2.WorkerRecord:
        record = worker_pb2.WorkerRecord(ID=socket.gethostname() or "dockyard")
        record.Labels.update({"org.mobyproject.buildkit.worker.executor": "oci",
                              "org.mobyproject.buildkit.worker.hostname": socket.gethostname(),
                              "org.mobyproject.buildkit.worker.network": "host",
                              # buildx reads a snapshotter as: cache export, a pushing exporter
                              _SNAPSHOTTER: "overlayfs"})
        record.platforms.add(Architecture="amd64" if platform.machine() == "x86_64" else platform.machine(), OS="linux")
        record.BuildkitVersion.package = "github.com/moby/buildkit"
        record.BuildkitVersion.version = BUILDKIT_VERSION
        record.BuildkitVersion.revision = f"dockyard-{__version__}"
        return record

    @functools.cached_property
    def _workers_reply(self) -> bytes:   # buildx asks three times a build
        response = control_pb2.ListWorkersResponse()
        response.record.append(self.worker())
        return response.SerializeToString()

    async def list_workers(self, call: ServerCall) -> None:
        await call.recv()
        await call.send(self._workers_reply)

    async def info(self, call: ServerCall) -> None:
        await call.recv()
        response = control_pb2.InfoResponse()
        response.buildkitVersion.CopyFrom(self.worker().BuildkitVersion)
        await call.send(response.SerializeToString())

    # ---- builds -----------------------------------------------------------------------------

    async def solve(self, call: ServerCall) -> None:
        request = control_pb2.SolveRequest.FromString(await call.recv() or b"")
        solve = self._solves.get(request.Ref)
        solve.entitlements = frozenset(request.Entitlements)
        events = BuildEvents(solve.emit, request.Ref)
        image_id: str | None
        try:
            if request.HasField("Definition") and getattr(request.Definition, "def"):
                raise GrpcError(Status.UNIMPLEMENTED, _NO_LLB)
            _refuse_unsupported(request)
            solve.cache = cache_options.parse(request.Cache)
            _refuse_entitlements(solve.entitlements)
            if not solve.session_id.done():   # a refused build never starts the gateway's frontend
                solve.session_id.set_result(request.Session)
            if request.Frontend:
                image_id = await self._frontend(solve, request.Frontend, dict(request.FrontendAttrs), events)
            else:  # the client's gateway build: wait for what it returns
                image_id = await self._returned(solve, request.Session)
            session = self._sessions.find(request.Session)   # still there: it asked for this build
            response = await exporter.export(self._services, request, image_id, events, session)
            if solve.cache.exports and solve.built is not None:
                response.ExporterResponse.update(await cache_options.export(
                    self._services.images, session, solve.cache.exports[0], solve.built, events))
            await call.send(response.SerializeToString())
        finally:
            solve.finish()
            self._solves.forget(request.Ref)

    async def _returned(self, solve, session_id: str) -> str | None:
        session = await self._sessions.get(session_id)
        gone = asyncio.ensure_future(session.channel.closed.wait())
        try:
            done, _ = await asyncio.wait({solve.returned, gone}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            gone.cancel()
        if solve.returned not in done:
            raise GrpcError(Status.CANCELLED, "the client's session ended before its build returned")
        return solve.returned.result()

    async def _frontend(self, solve, name: str, attrs: dict[str, str], events: BuildEvents) -> str:
        if name != frontend.NAME:
            raise GrpcError(Status.INVALID_ARGUMENT, f"frontend {name} not found: this daemon has {frontend.NAME} only")
        log.debug("dockerfile.v0 options: %s", attrs)
        options = frontend.build_options(attrs)
        session = await self._sessions.get(await solve.session_id)
        options.registry_auths = SessionAuths(session, asyncio.get_running_loop())
        build = self._services.build
        options.session = ClientSession(session, solve.entitlements, build.work_dir)
        options.imported_cache = await cache_options.imported(self._services.images, session,
                                                              solve.cache.imports, events)
        loaded = await frontend.load(session, attrs, build, events)
        try:
            solve.built = await build.build_buildkit(options, loaded.root, loaded.dockerfile, events)
            return solve.built.image_id
        finally:
            loaded.remove()

    async def status(self, call: ServerCall) -> None:
        request = control_pb2.StatusRequest.FromString(await call.recv() or b"")
        async for batch in self._solves.get(request.Ref).updates():
            await call.send(status_response(batch).SerializeToString())

    # ---- the gateway ------------------------------------------------------------------------

    def _gateway_solve_of(self, call: ServerCall):
        ref = (call.metadata.get("buildkit-controlapi-buildid") or [""])[0]
        if not ref:
            raise GrpcError(Status.INVALID_ARGUMENT,
                            "no buildkit-controlapi-buildid: the gateway serves builds of Control.Solve only")
        solve = self._solves.get(ref)
        if solve.done:
            raise GrpcError(Status.NOT_FOUND, f"no such job {ref}")
        return solve

    @functools.cached_property
    def _pong(self) -> bytes:
        response = gateway_pb2.PongResponse()
        for cap in _GATEWAY_CAPS:
            response.FrontendAPICaps.add(ID=cap, Enabled=True)
        response.LLBCaps.add(ID="source.local", Enabled=True)
        response.Workers.append(self.worker())
        return response.SerializeToString()

    async def ping(self, call: ServerCall) -> None:
        await call.recv()
        await call.send(self._pong)

    async def gateway_solve(self, call: ServerCall) -> None:
        request = gateway_pb2.SolveRequest.FromString(await call.recv() or b"")
        solve = self._gateway_solve_of(call)
        if not request.Frontend:
            raise GrpcError(Status.UNIMPLEMENTED, _NO_LLB)
        events = BuildEvents(solve.emit, solve.ref + "/gateway")
        try:
            image_id = await self._frontend(solve, request.Frontend, dict(request.FrontendOpt), events)
        except DockyardError as err:
            raise GrpcError(Status.UNKNOWN, err.message) from None
        self._results += 1
        ref_id = f"dockyard-result-{self._results}"
        solve.results[ref_id] = image_id
        response = gateway_pb2.SolveResponse(ref=ref_id)
        if request.allowResultArrayRef:
            response.result.ref.id = ref_id
        else:
            response.result.refDeprecated = ref_id
        response.result.metadata["containerimage.config"] = self._services.images.content.read(image_id)
        await call.send(response.SerializeToString())

    async def gateway_return(self, call: ServerCall) -> None:
        request = gateway_pb2.ReturnRequest.FromString(await call.recv() or b"")
        solve = self._gateway_solve_of(call)
        if not solve.returned.done():
            if request.HasField("error") and request.error.code:
                code = request.error.code
                known = Status(code) if code in Status._value2member_map_ else Status.UNKNOWN
                solve.returned.set_exception(GrpcError(known, request.error.message))
            else:
                result = request.result
                kind = result.WhichOneof("result")
                ref_id = result.ref.id if kind == "ref" else result.refDeprecated if kind == "refDeprecated" else ""
                solve.returned.set_result(solve.results.get(ref_id))
        await call.send(gateway_pb2.ReturnResponse().SerializeToString())

    # ---- cache --------------------------------------------------------------------------------

    async def disk_usage(self, call: ServerCall) -> None:
        control_pb2.DiskUsageRequest.FromString(await call.recv() or b"")
        response = control_pb2.DiskUsageResponse()
        for record in await self._services.build.cache_records():
            response.record.append(_usage_record(record))
        await call.send(response.SerializeToString())

    async def prune(self, call: ServerCall) -> None:
        request = control_pb2.PruneRequest.FromString(await call.recv() or b"")
        filters = [f for f in request.filter if f]
        keep = request.keepDuration / 1e9 if request.keepDuration > 0 else 0.0
        for record in await self._services.build.prune_cache(request.all, filters, keep):
            await call.send(_usage_record(record).SerializeToString())


def _refuse_unsupported(request: control_pb2.SolveRequest) -> None:
    """Solve options this daemon does not implement (buildx sends none of them by default)."""
    refused = [what for what, asked in (
        ("named build contexts (--build-context)", bool(request.FrontendInputs)),
        ("source policies", request.HasField("SourcePolicy") or bool(request.SourcePolicySession)),
        ("the session exporter", request.EnableSessionExporter),
        ("the proxy network", request.ProxyNetwork)) if asked]
    if refused:
        raise GrpcError(Status.UNKNOWN, f"{refused[0]}: not supported by this daemon")


def _refuse_entitlements(asked: frozenset[str]) -> None:
    """dockerd's BuildKit grants `network.host` (its default configuration) and nothing else."""
    refused = sorted(asked - {NETWORK_HOST})
    if refused:
        raise GrpcError(Status.UNKNOWN,
                        f"granting entitlement {refused[0]} is not allowed by build daemon configuration")


def _usage_record(record: dict) -> control_pb2.UsageRecord:
    usage = control_pb2.UsageRecord(ID=record["id"], Size=record["size"], Description=record["description"],
                                    RecordType=record.get("type", "regular"), UsageCount=record.get("usage", 1),
                                    InUse=record.get("in_use", False))
    usage.CreatedAt.FromNanoseconds(int(record["created"] * 1e9))
    usage.LastUsedAt.FromNanoseconds(int(record.get("used", record["created"]) * 1e9))
    return usage
