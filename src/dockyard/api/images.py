"""Image routes: list, inspect, history, tag, remove, prune, load, save, import (create)."""

from __future__ import annotations

import asyncio
import functools
from typing import Callable

from dockyard.api import distribution
from dockyard.api.blocking import BlockingBody, progress_stream, tar_stream
from dockyard.api.request import Request
from dockyard.api.responses import Response, StreamResponse, empty, json_response
from dockyard.api.router import Route
from dockyard.errors import InvalidArgument
from dockyard.images import archive_load, archive_save
from dockyard.images import filters as image_filters
from dockyard.images.importer import import_rootfs



def routes(services) -> list[Route]:
    images = services.images

    async def run(fn: Callable, *args, **kwargs):
        """Blocking image work off the event loop."""
        return await asyncio.to_thread(functools.partial(fn, *args, **kwargs))

    async def list_images(req: Request) -> Response:
        return json_response(await run(images.list_images, req.flag("all"), req.filters(image_filters.LIST_FILTERS),
                                       req.api_version))

    async def inspect(req: Request, name: str) -> Response:
        return json_response(await run(images.inspect, name, req.api_version))

    async def history(req: Request, name: str) -> Response:
        return json_response(await run(images.history, name))

    async def tag(req: Request, name: str) -> Response:
        repo = req.param("repo")
        if not repo:
            raise InvalidArgument("repository name must have at least one component")
        await run(images.tag, name, repo, req.param("tag"))
        return empty(201)

    async def remove(req: Request, name: str) -> Response:
        return json_response(await run(images.remove, name, req.flag("force"), req.flag("noprune")))

    async def prune(req: Request) -> Response:
        return json_response(await run(images.prune, req.filters(image_filters.PRUNE_FILTERS)))

    async def load(req: Request) -> StreamResponse:
        quiet = req.flag("quiet")
        body = BlockingBody(req.chunks(), asyncio.get_running_loop())
        return progress_stream(lambda report: _load_lines(images, body, quiet, report))

    async def save(req: Request, name: str | None = None) -> StreamResponse:
        names = [name] if name else req.params("names")
        if not names:
            raise InvalidArgument("no image names given")
        plan = await run(archive_save.plan, images, names)
        return tar_stream(lambda sink: archive_save.write_archive(images, plan, sink))

    async def create(req: Request) -> StreamResponse:
        source = req.param("fromSrc")
        if source is None:
            return await distribution.pull(services, req)
        if source != "-":
            raise InvalidArgument("importing from a URL is not supported: send the archive in the body (fromSrc=-)")
        body = BlockingBody(req.chunks(), asyncio.get_running_loop())
        args = {"repo": req.param("repo") or None, "tag": req.param("tag") or None,
                "changes": req.params("changes"), "message": req.param("message") or "",
                "platform": req.param("platform") or None}

        def work(report):
            image_id = import_rootfs(images, body, **args)
            report({"status": image_id})

        return progress_stream(work)

    return [
        Route("GET", "/images/json", list_images),
        Route("GET", "/images/get", save),
        Route("POST", "/images/load", load),
        Route("POST", "/images/prune", prune),
        Route("POST", "/images/create", create),
        Route("GET", "/images/{name:path}/json", inspect),
        Route("GET", "/images/{name:path}/history", history),
        Route("GET", "/images/{name:path}/get", save),
        Route("POST", "/images/{name:path}/tag", tag),
        Route("DELETE", "/images/{name:path}", remove),
    ]


def _load_lines(images, body, quiet: bool, report) -> None:
    for line in archive_load.load_archive(images, body, None if quiet else report):
        report({"stream": line})
