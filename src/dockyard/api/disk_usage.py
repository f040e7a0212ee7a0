"""`GET /system/df`: space used by images, containers, volumes and the build cache."""

import asyncio

from dockyard.api.request import Request
from dockyard.api.responses import Response, json_response
from dockyard.api.router import Route
from dockyard.images import garbage


def routes(services) -> list[Route]:
    async def disk_usage(req: Request) -> Response:
        images = await asyncio.to_thread(services.images.list_images, True, {}, req.api_version)
        users: dict[str, int] = {}
        for container in services.containers.list(True, None, False, {}):
            users[container["ImageID"]] = users.get(container["ImageID"], 0) + 1
        for image in images:
            image["Containers"] = users.get(image["Id"], 0)
            image.setdefault("SharedSize", -1)
        containers = await asyncio.to_thread(services.containers.list, True, None, True, {})
        return json_response({
            "LayersSize": await asyncio.to_thread(_layers_size, services.images),
            "Images": images, "Containers": containers,
            "Volumes": await services.volumes.usage(), "BuildCache": await services.build.disk_usage(),
        })

    return [Route("GET", "/system/df", disk_usage)]


def _layers_size(images) -> int:
    """Every layer, and the content no image refers to yet (a pull or load in flight)."""
    return images.layers_size() + garbage.unreferenced_blob_bytes(images)
