"""The API application: version prefixes, routing, and errors turned into responses."""

import dataclasses
import logging

from dockyard import __version__
from dockyard.api import (build, container_files, containers, disk_usage, distribution, execs, images, networks, system,
                          volumes)
from dockyard.api.buildkit import routes as buildkit
from dockyard.api.request import Request, parse_query
from dockyard.api.responses import Response, error_body, JSON
from dockyard.api.router import Route, Router
from dockyard.api.status import status_for
from dockyard.api.versioning import MAX_API, format_version, split_version
from dockyard.errors import DockyardError

log = logging.getLogger(__name__)

SERVER_HEADER = f"Docker/{__version__}-dockyard (linux)"


def all_routes(services) -> list[Route]:
    """Every resource's route table; a new resource adds one line here."""
    tables = (system, disk_usage, distribution, images, containers, container_files, execs, networks, volumes, build,
              buildkit)
    return [route for table in tables for route in table.routes(services)]


def base_headers() -> list[tuple[str, str]]:
    return [
        ("Api-Version", format_version(MAX_API)),
        ("Docker-Experimental", "false"),
        ("Ostype", "linux"),
        ("Server", SERVER_HEADER),
    ]


class Application:
    def __init__(self, routes: list[Route]):
        self._router = Router(routes)

    async def dispatch(self, request: Request):
        try:
            version, path = split_version(request.path)
            query = request.query if request.raw_query is None else parse_query(request.raw_query)
            request = dataclasses.replace(request, api_version=version, path=path, query=query)
            log.debug("%s %s %s", request.method, request.path, dict(request.query))
            handler, params = self._router.match(request.method, request.path)
            return await handler(request, **params)
        except DockyardError as err:
            return error_response(err)
        except Exception as err:  # a bug: answer 500 with what went wrong, keep serving
            log.exception("%s %s failed", request.method, request.path)
            return Response(status=500, body=error_body(f"internal error: {err}"), content_type=JSON)


def error_response(err: DockyardError) -> Response:
    status = status_for(err)
    if status == 304:
        return Response(status=304)
    return Response(status=status, body=error_body(err.message), content_type=JSON)
