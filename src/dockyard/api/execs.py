"""Exec routes: create, start (hijacked or detached), resize, inspect."""

from dockyard.api.bodies import engine_types as bodies
from dockyard.api.request import Request
from dockyard.api.responses import HijackResponse, Response, json_response
from dockyard.api.router import Route
from dockyard.api.streams import stdio_content_type


def routes(services) -> list[Route]:
    execs = services.execs

    async def create(req: Request, id: str) -> Response:
        return json_response({"Id": execs.create(id, await req.decode(bodies.EXEC_CREATE))}, 201)

    async def start(req: Request, id: str):
        body = await req.decode(bodies.EXEC_START)
        record = execs.get(id)
        session = await execs.start(id, bool(body.get("Detach")), body.get("ConsoleSize"))
        if session is None:
            return Response(200)
        return HijackResponse(session, stdio_content_type(req.api_version, record.tty))

    async def resize(req: Request, id: str) -> Response:
        await execs.resize(id, req.int_param("h", 0), req.int_param("w", 0))
        return Response(200)

    async def inspect(req: Request, id: str) -> Response:
        return json_response(execs.inspect(id))

    return [
        Route("POST", "/containers/{id}/exec", create),
        Route("POST", "/exec/{id}/start", start),
        Route("POST", "/exec/{id}/resize", resize),
        Route("GET", "/exec/{id}/json", inspect),
    ]
