"""Volume routes: create, inspect, list, remove, prune."""

from dockyard.api.bodies import engine_types as bodies
from dockyard.api.request import Request
from dockyard.api.responses import Response, empty, json_response
from dockyard.api.router import Route
from dockyard.volumes import filters as volume_filters


def routes(services) -> list[Route]:
    volumes = services.volumes

    async def list_volumes(req: Request) -> Response:
        found = volumes.list_volumes(req.filters(volume_filters.LIST_FILTERS))
        return json_response({"Volumes": [volumes.to_json(v) for v in found], "Warnings": None})

    async def inspect(req: Request, name: str) -> Response:
        return json_response(volumes.to_json(volumes.get(name)))

    async def create(req: Request) -> Response:
        body = await req.decode(bodies.VOLUME_CREATE)
        volume = volumes.create(body.get("Name") or None, body.get("Driver") or "local",
                                body.get("DriverOpts"), body.get("Labels"))
        return json_response(volumes.to_json(volume), status=201)

    async def remove(req: Request, name: str) -> Response:
        await volumes.remove(name, force=req.flag("force"))
        return empty(204)

    async def prune(req: Request) -> Response:
        names, reclaimed = await volumes.prune(req.filters(volume_filters.PRUNE_FILTERS), req.api_version)
        return json_response({"VolumesDeleted": names or None, "SpaceReclaimed": reclaimed})

    return [
        Route("GET", "/volumes", list_volumes),
        Route("POST", "/volumes/create", create),
        Route("POST", "/volumes/prune", prune),
        Route("GET", "/volumes/{name}", inspect),
        Route("DELETE", "/volumes/{name}", remove),
    ]

