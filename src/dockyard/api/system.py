"""System routes: ping, version, info, events."""

import os
import platform

from dockyard import __version__
from dockyard.api.info import arch, info_body
from dockyard.api.request import Request
from dockyard.api.responses import Response, json_lines, json_response
from dockyard.api.router import Route
from dockyard.wire.times import parse_time_ns
from dockyard.api.versioning import MAX_API, MIN_API, format_version


_PING_HEADERS = {
    "Builder-Version": "1",
    "Swarm": "inactive",
    "Cache-Control": "no-cache, no-store, must-revalidate",
    "Pragma": "no-cache",
}


def routes(services) -> list[Route]:
    async def ping(req: Request) -> Response:
        body = b"" if req.method == "HEAD" else b"OK"
        return Response(200, body, "text/plain; charset=utf-8", dict(_PING_HEADERS))

    async def version(req: Request) -> Response:
        return json_response(version_body())

    async def info(req: Request) -> Response:
        return json_response(info_body(services))

    async def events(req: Request):
        stream = services.events.stream(
            parse_time_ns(req.param("since")), parse_time_ns(req.param("until")), req.filters(None)
        )

        async def bodies():
            async for event in stream:
                yield event.to_json()

        return json_lines(bodies())

    return [
        Route("GET", "/_ping", ping),
        Route("GET", "/version", version),
        Route("GET", "/info", info),
        Route("GET", "/events", events),
    ]


def version_body() -> dict:
    uname = os.uname()
    engine = {
        "Version": __version__,
        "ApiVersion": format_version(MAX_API),
        "MinAPIVersion": format_version(MIN_API),
        "GitCommit": "dockyard",
        "GoVersion": f"python{platform.python_version()}",
        "Os": "linux",
        "Arch": arch(uname.machine),
        "KernelVersion": uname.release,
        "BuildTime": "",
        "Experimental": False,
    }
    return {
        **engine,
        "Platform": {"Name": "dockyard"},
        "Components": [{"Name": "Engine", "Version": __version__, "Details": {
            **{k: str(engine[k]) for k in ("ApiVersion", "MinAPIVersion", "GitCommit", "GoVersion", "Os", "Arch",
                                           "KernelVersion")},
            "Experimental": "false",
        }}],
    }
