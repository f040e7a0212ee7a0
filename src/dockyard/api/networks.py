"""Network routes: list, inspect, create, connect, disconnect, remove, prune."""

from dockyard.api.bodies import engine_types as bodies
from dockyard.api.request import Request
from dockyard.api.responses import Response, empty, json_response
from dockyard.api.router import Route
from dockyard.network import admin, model


def routes(services) -> list[Route]:
    def svc():
        return services.networks

    async def list_(req: Request) -> Response:
        return json_response(admin.list_networks(svc(), req.filters(model.LIST_FILTERS)))

    async def inspect(req: Request, id: str) -> Response:
        return json_response(admin.inspect_network(svc(), id))

    async def create(req: Request) -> Response:
        body = await req.decode(bodies.NETWORK_CREATE)
        return json_response(await admin.create_network(svc(), body), status=201)

    async def connect(req: Request, id: str) -> Response:
        await admin.connect_container(svc(), id, await req.decode(bodies.NETWORK_CONNECT))
        return Response(status=200)

    async def disconnect(req: Request, id: str) -> Response:
        await admin.disconnect_container(svc(), id, await req.decode(bodies.NETWORK_DISCONNECT))
        return Response(status=200)

    async def remove(req: Request, id: str) -> Response:
        await admin.remove_network(svc(), id)
        return empty(204)

    async def prune(req: Request) -> Response:
        return json_response(await admin.prune_networks(svc(), req.filters(model.PRUNE_FILTERS)))

    return [
        Route("GET", "/networks", list_),
        Route("POST", "/networks/create", create),
        Route("POST", "/networks/prune", prune),
        Route("GET", "/networks/{id}", inspect),
        Route("POST", "/networks/{id}/connect", connect),
        Route("POST", "/networks/{id}/disconnect", disconnect),
        Route("DELETE", "/networks/{id}", remove),
    ]
