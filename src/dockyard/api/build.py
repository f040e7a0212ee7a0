"""`POST /build` (classic builder, engine-api.md §8) and `POST /build/prune`.

Query parameters are checked before the 200 goes out (a bad tag is a plain 400); after it,
the build reports in JSON lines and a failure ends the stream with `errorDetail` (its `code`
is a failing RUN's exit status, which `docker build` exits with).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, AsyncIterator

from dockyard.api.blocking import BlockingBody
from dockyard.api.request import Request
from dockyard.api.responses import Response, StreamResponse, json_lines, json_response
from dockyard.api.router import Route
from dockyard.builder.builder import BuildOptions
from dockyard.builder.platforms import build_platform
from dockyard.builder.run_step import HOST_OPTIONS
from dockyard.errors import DockyardError, InvalidArgument
from dockyard.oci import reference
from dockyard.registry import credentials

# BuildKit's prune filters, which dockerd accepts (and refuses any other key) in POST /build/prune.
_CACHE_FILTERS = {"until", "unused-for", "id", "parent", "type", "description", "inuse", "shared", "private"}
_INT_OPTIONS = {"shmsize", "memory", "memswap", "cpushares", "cpuperiod", "cpuquota"}


def routes(services) -> list[Route]:
    async def build(req: Request) -> StreamResponse:
        options = build_options(req)
        body = BlockingBody(req.chunks(), asyncio.get_running_loop())
        return json_lines(_messages(services.build, options, body))

    async def prune(req: Request) -> Response:
        try:
            filters = req.filters(_CACHE_FILTERS)
        except InvalidArgument as err:
            raise InvalidArgument(f"failed to prune build cache: {err.message}") from None
        return json_response(await services.build.prune(filters))

    return [Route("POST", "/build", build), Route("POST", "/build/prune", prune)]


def build_options(req: Request) -> BuildOptions:
    if req.param("version") == "2":
        raise InvalidArgument("BuildKit is not supported by this daemon: use the classic builder (DOCKER_BUILDKIT=0)")
    if req.param("remote"):
        raise InvalidArgument("remote build contexts (git, URL) are not supported: send the context as a tar")
    tags = req.params("t")
    for tag in tags:
        reference.parse(tag)  # "invalid reference format" before anything is sent
    build_args = _json_param(req, "buildargs", dict)
    if any(v is not None and not isinstance(v, str) for v in build_args.values()):
        raise InvalidArgument("buildargs: values must be strings")
    return BuildOptions(
        tags=tags, dockerfile=req.param("dockerfile") or "Dockerfile", quiet=req.flag("q"),
        nocache=req.flag("nocache"), rm=req.flag("rm", True), forcerm=req.flag("forcerm"),
        target=req.param("target") or "", build_args=build_args,
        labels={str(k): str(v) for k, v in _json_param(req, "labels", dict).items()},
        host_config=_host_config(req), pull=req.flag("pull"),
        platform=build_platform(req.param("platform") or "") if req.param("platform") else "",
        registry_auths=credentials.decode_config_header(req.headers.get("x-registry-config")))


def _host_config(req: Request) -> dict[str, Any]:
    host: dict[str, Any] = {}
    for param, key in HOST_OPTIONS.items():
        raw = req.param(param)
        if raw in (None, ""):
            continue
        if param in _INT_OPTIONS:
            value: Any = req.int_param(param)
            if not value:
                continue
        elif param == "ulimits":
            value = _json_param(req, "ulimits", list) or None
        elif param == "extrahosts":  # repeated, or comma-separated
            value = [h for each in req.params(param) for h in each.replace(",", " ").split()]
        else:
            value = raw
        if param == "networkmode" and value == "default":
            continue
        host[key] = value
    return host


def _json_param(req: Request, name: str, kind: type) -> Any:
    raw = req.param(name)
    if not raw:
        return kind()
    try:
        value = json.loads(raw)
    except ValueError:
        raise InvalidArgument(f"invalid {name}: {raw}") from None
    if value is None:
        return kind()
    if not isinstance(value, kind):
        raise InvalidArgument(f"invalid {name}: expected a JSON {'object' if kind is dict else 'array'}")
    return value


async def _messages(service, options: BuildOptions, body: BlockingBody) -> AsyncIterator[dict]:
    queue: asyncio.Queue = asyncio.Queue()
    task = asyncio.ensure_future(_run(service, options, body, queue))
    try:
        while (message := await queue.get()) is not None:
            yield message
    finally:
        if not task.done():
            task.cancel()  # the client went away: stop the build (its finally blocks tidy up)
        await asyncio.gather(task, return_exceptions=True)


async def _run(service, options: BuildOptions, body: BlockingBody, queue: asyncio.Queue) -> None:
    try:
        await service.build(options, body, queue.put_nowait)
    except DockyardError as err:
        detail: dict[str, Any] = {"message": err.message}
        code = getattr(err, "code", None)
        if code:
            detail["code"] = code
        queue.put_nowait({"errorDetail": detail, "error": err.message})
    except Exception as err:  # a bug: end the stream with the reason
        queue.put_nowait({"errorDetail": {"message": f"internal error: {err}"}, "error": f"internal error: {err}"})
    finally:
        queue.put_nowait(None)
