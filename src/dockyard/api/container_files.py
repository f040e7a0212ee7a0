"""Container routes about files and processes: archive (cp), export, changes, commit, top, stats."""

import asyncio

from dockyard.api.blocking import BlockingBody, tar_stream
from dockyard.api.bodies import engine_types as bodies
from dockyard.api.request import Request
from dockyard.api.responses import Response, StreamResponse, json_lines, json_response
from dockyard.api.router import Route
from dockyard.containers.archive import stat_header
from dockyard.errors import InvalidArgument

STAT_HEADER = "X-Docker-Container-Path-Stat"


def routes(services) -> list[Route]:
    files = services.files

    def path_of(req: Request) -> str:
        path = req.param("path")
        if not path:
            raise InvalidArgument("Path cannot be empty")
        if "\x00" in path:  # dockerd's lstat fails with EINVAL
            raise InvalidArgument(f"lstat {path}: invalid argument")
        return path

    async def archive_head(req: Request, id: str) -> Response:
        info = await files.stat(id, path_of(req))
        return Response(200, headers={STAT_HEADER: stat_header(info)})

    async def archive_get(req: Request, id: str) -> StreamResponse:
        info, write = await files.archive_source(id, path_of(req))
        response = tar_stream(write)
        response.headers[STAT_HEADER] = stat_header(info)
        return response

    async def archive_put(req: Request, id: str) -> Response:
        body = BlockingBody(req.chunks(), asyncio.get_running_loop())
        await files.put_archive(id, path_of(req), body, req.flag("noOverwriteDirNonDir"), req.flag("copyUIDGID"))
        return Response(200)

    async def export(req: Request, id: str) -> StreamResponse:
        return tar_stream(files.export_source(id))

    async def changes(req: Request, id: str) -> Response:
        return json_response(await files.changes(id) or None)

    async def commit(req: Request) -> Response:
        container = req.param("container")
        if not container:
            raise InvalidArgument("container is required")
        await req.decode(bodies.CONFIG)  # a config body may come; its changes arrive as `changes`
        image_id = await files.commit(container, req.param("repo") or None, req.param("tag") or None,
                                      req.param("author") or "", req.param("comment") or "",
                                      req.params("changes"), req.flag("pause", True))
        return json_response({"Id": image_id}, 201)

    async def top(req: Request, id: str) -> Response:
        return json_response(await files.top(id, req.param("ps_args") or ""))

    async def stats(req: Request, id: str) -> StreamResponse:
        return json_lines(files.stats(id, req.flag("stream", True) and not req.flag("one-shot")))

    return [
        Route("HEAD", "/containers/{id}/archive", archive_head),
        Route("GET", "/containers/{id}/archive", archive_get),
        Route("PUT", "/containers/{id}/archive", archive_put),
        Route("GET", "/containers/{id}/export", export),
        Route("GET", "/containers/{id}/changes", changes),
        Route("GET", "/containers/{id}/top", top),
        Route("GET", "/containers/{id}/stats", stats),
        Route("POST", "/commit", commit),
    ]

