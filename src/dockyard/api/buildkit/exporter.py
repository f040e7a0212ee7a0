"""The `moby`/`image` exporter of a BuildKit solve: name the image (`-t`, `--load`) and report
it as BuildKit's `exporting to image` step and exporter response. As with dockerd 20.10, the
exporter does not push: buildx's docker driver pushes `--push` builds through the Engine API
(`POST /images/{name}/push`, then `GET /distribution/{name}/json`)."""

from __future__ import annotations

import asyncio

from dockyard.api.buildkit.generated import control_pb2
from dockyard.builder.vertices import BuildEvents
from dockyard.errors import InvalidArgument
from dockyard.oci import reference

_IMAGE_EXPORTERS = ("moby", "image")


def exporters_of(request: control_pb2.SolveRequest) -> list[tuple[str, dict[str, str]]]:
    found = [(e.Type, dict(e.Attrs)) for e in request.Exporters]
    if not found and request.ExporterDeprecated:
        found = [(request.ExporterDeprecated, dict(request.ExporterAttrsDeprecated))]
    for kind, _ in found:
        if kind not in _IMAGE_EXPORTERS:
            raise InvalidArgument(f"exporter {kind!r} is not supported by this daemon: "
                                  f"images are exported to its image store (--load, -t, --push)")
    return found


async def export(services, request: control_pb2.SolveRequest, image_id: str | None,
                 events: BuildEvents) -> control_pb2.SolveResponse:
    response = control_pb2.SolveResponse()
    exporters = exporters_of(request)
    if image_id is None or not exporters:
        return response
    names = [name for _, attrs in exporters for name in attrs.get("name", "").split(",") if name]
    refs = [reference.parse(name).with_default_tag() for name in names]
    vertex = events.start("exporting to image")
    events.status(vertex, "exporting layers")
    events.status(vertex, f"writing image {image_id}")
    for ref in refs:
        await asyncio.to_thread(services.images.tag, image_id, ref.name, ref.tag)
        events.status(vertex, f"naming to {ref}")
    events.done(vertex)
    response.ExporterResponse["containerimage.config.digest"] = image_id
    response.ExporterResponse["containerimage.digest"] = image_id
    if names:
        response.ExporterResponse["image.name"] = ",".join(names)
    return response
