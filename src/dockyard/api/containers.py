"""Container routes: create, list, inspect, life cycle, wait, remove, attach, logs."""

from dockyard.api.bodies import engine_types as bodies
from dockyard.api.request import Request
from dockyard.api.responses import HijackResponse, Response, StreamResponse, empty, encode_json, json_response
from dockyard.api.router import Route
from dockyard.api.streams import stdio_content_type
from dockyard.containers import filters
from dockyard.containers.attach import DEFAULT_DETACH_KEYS, parse_detach_keys
from dockyard.containers.logs import LogQuery
from dockyard.errors import InvalidArgument
from dockyard.wire.stdcopy import frame
from dockyard.wire.times import parse_time_ns

_WAIT_CONDITIONS = {"not-running", "next-exit", "removed"}


def routes(services) -> list[Route]:
    containers, stdio = services.containers, services.stdio

    async def create(req: Request) -> Response:
        body = await req.decode(bodies.CONTAINER_CREATE)
        host_config = body.get("HostConfig")
        if req.api_version < (1, 40) and host_config is not None and not host_config.get("IpcMode"):
            host_config["IpcMode"] = "shareable"  # older clients' default, as dockerd
        container_id, warnings = await containers.create(body, req.param("name") or "", req.param("platform"))
        return json_response({"Id": container_id, "Warnings": warnings}, 201)

    async def list_(req: Request) -> Response:
        items = containers.list(req.flag("all"), req.int_param("limit"), req.flag("size"),
                                req.filters(filters.LIST_FILTERS))
        return json_response(items)

    async def inspect(req: Request, id: str) -> Response:
        return json_response(containers.inspect(id, req.flag("size")))

    async def start(req: Request, id: str) -> Response:
        await containers.start(id)
        return empty()

    async def stop(req: Request, id: str) -> Response:
        await containers.stop(id, req.int_param("t"), req.param("signal"))
        return empty()

    async def restart(req: Request, id: str) -> Response:
        await containers.restart(id, req.int_param("t"), req.param("signal"))
        return empty()

    async def kill(req: Request, id: str) -> Response:
        await containers.kill(id, req.param("signal") or "KILL")
        return empty()

    async def pause(req: Request, id: str) -> Response:
        await containers.pause(id)
        return empty()

    async def unpause(req: Request, id: str) -> Response:
        await containers.unpause(id)
        return empty()

    async def rename(req: Request, id: str) -> Response:
        await containers.rename(id, req.param("name") or "")
        return empty()

    async def update(req: Request, id: str) -> Response:
        warnings = await containers.update(id, await req.decode(bodies.CONTAINER_UPDATE))
        return json_response({"Warnings": warnings})

    async def remove(req: Request, id: str) -> Response:
        await containers.remove(id, force=req.flag("force"), volumes=req.flag("v"))
        return empty()

    async def wait(req: Request, id: str) -> StreamResponse:
        condition = req.param("condition") or "not-running"
        if condition not in _WAIT_CONDITIONS:
            raise InvalidArgument(f"invalid condition: {condition}")
        pending = containers.wait(id, condition)  # raises NotFound before any header is sent

        async def body():
            result = await pending
            yield encode_json(result.to_json()) + b"\n"

        return StreamResponse(body())

    async def resize(req: Request, id: str) -> Response:
        await stdio.resize(containers.get(id), req.int_param("h", 0), req.int_param("w", 0))
        return Response(200)

    async def attach(req: Request, id: str) -> HijackResponse:
        container = containers.get(id)
        keys = parse_detach_keys(req.param("detachKeys") or DEFAULT_DETACH_KEYS)
        options = {"stdin": req.flag("stdin"), "stdout": req.flag("stdout"), "stderr": req.flag("stderr"),
                   "logs": req.flag("logs"), "stream": req.flag("stream", True), "detach_keys": keys}
        session = await stdio.prepare_attach(container, **options)
        return HijackResponse(session, stdio_content_type(req.api_version, container.tty))

    async def logs(req: Request, id: str) -> StreamResponse:
        if not (req.flag("stdout") or req.flag("stderr")):
            raise InvalidArgument("Bad parameters: you must choose at least one stream")
        container = containers.get(id)
        query = LogQuery(stdout=req.flag("stdout"), stderr=req.flag("stderr"),
                         since_ns=parse_time_ns(req.param("since")) or None,
                         until_ns=parse_time_ns(req.param("until")),
                         tail=_tail(req.param("tail")), timestamps=req.flag("timestamps"),
                         follow=req.flag("follow"))
        entries = stdio.logs(container, query)
        tty = container.tty

        async def body():
            async for stream, data in entries:
                yield data if tty else frame(stream, data)

        content_type = None if req.api_version < (1, 42) else stdio_content_type(req.api_version, tty)
        return StreamResponse(body(), content_type)

    async def prune(req: Request) -> Response:
        deleted, reclaimed = await containers.prune(req.filters(filters.PRUNE_FILTERS))
        return json_response({"ContainersDeleted": deleted or None, "SpaceReclaimed": reclaimed})

    return [
        Route("POST", "/containers/create", create),
        Route("GET", "/containers/json", list_),
        Route("POST", "/containers/prune", prune),
        Route("GET", "/containers/{id}/json", inspect),
        Route("POST", "/containers/{id}/start", start),
        Route("POST", "/containers/{id}/stop", stop),
        Route("POST", "/containers/{id}/restart", restart),
        Route("POST", "/containers/{id}/kill", kill),
        Route("POST", "/containers/{id}/pause", pause),
        Route("POST", "/containers/{id}/unpause", unpause),
        Route("POST", "/containers/{id}/rename", rename),
        Route("POST", "/containers/{id}/update", update),
        Route("POST", "/containers/{id}/wait", wait),
        Route("POST", "/containers/{id}/resize", resize),
        Route("POST", "/containers/{id}/attach", attach),
        Route("GET", "/containers/{id}/logs", logs),
        Route("DELETE", "/containers/{id}", remove),
    ]


def _tail(value: str | None) -> int | None:
    if value in (None, "", "all"):
        return None
    try:
        return max(int(value), 0)
    except ValueError:
        return None
