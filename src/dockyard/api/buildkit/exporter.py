"""The `moby`/`image` exporter of a BuildKit solve: name the image (`-t`, `--load`), push it
(`--push`, `push=true`: buildx leaves the push to the daemon whose worker names a snapshotter,
as this one's does, see `control.worker`) with the registry credentials of the client's
session, and report it as BuildKit's `exporting to image` step and exporter response."""

from __future__ import annotations

import asyncio

from dockyard.api.buildkit import auth
from dockyard.api.buildkit.generated import control_pb2
from dockyard.builder.vertices import BuildEvents, Vertex
from dockyard.errors import InvalidArgument
from dockyard.images import push as image_push
from dockyard.oci import reference
from dockyard.oci.reference import Reference

_IMAGE_EXPORTERS = ("moby", "image")
# what the exporter reads; `prefer-image-digest` asks for the image's digest as its ID, which
# the config digest is in this image store; buildx's `unpack` and `store` are what it does anyway
_ATTRS = {"name", "push", "prefer-image-digest", "unpack", "store"}
_TRUE = ("1", "true")


def exporters_of(request: control_pb2.SolveRequest) -> list[tuple[str, dict[str, str]]]:
    found = [(e.Type, dict(e.Attrs)) for e in request.Exporters]
    if not found and request.ExporterDeprecated:
        found = [(request.ExporterDeprecated, dict(request.ExporterAttrsDeprecated))]
    for kind, attrs in found:
        if kind not in _IMAGE_EXPORTERS:
            raise InvalidArgument(f"exporter {kind!r} is not supported by this daemon: "
                                  f"images are exported to its image store (--load, -t, --push)")
        unknown = sorted(set(attrs) - _ATTRS)
        if unknown:
            raise InvalidArgument(f"exporter {kind} option {unknown[0]!r} is not supported by this daemon")
    return found


async def export(services, request: control_pb2.SolveRequest, image_id: str | None,
                 events: BuildEvents, session=None) -> control_pb2.SolveResponse:
    response = control_pb2.SolveResponse()
    exporters = exporters_of(request)
    if image_id is None or not exporters:
        return response
    names = [name for _, attrs in exporters for name in attrs.get("name", "").split(",") if name]
    refs = [reference.parse(name).with_default_tag() for name in names]
    vertex = events.start("exporting to image")
    events.status(vertex, "exporting layers")
    events.status(vertex, f"writing image {image_id}")
    named = {str(ref) for ref in services.images.tags(image_id)}
    for ref in refs:
        if str(ref) in named:   # a cached rebuild's: nothing to write, so no worker thread
            services.images.tag(image_id, ref.name, ref.tag, False)
        else:
            await asyncio.to_thread(services.images.tag, image_id, ref.name, ref.tag, False)
        events.status(vertex, f"naming to {ref}")
    if any(attrs.get("push", "").lower() in _TRUE for _, attrs in exporters):
        if not refs:
            raise InvalidArgument("tag is needed when pushing to registry")
        for ref in refs:
            await _push(services, session, ref, image_id, events, vertex)
    events.done(vertex)
    response.ExporterResponse["containerimage.config.digest"] = image_id
    response.ExporterResponse["containerimage.digest"] = image_id
    if names:
        response.ExporterResponse["image.name"] = ",".join(names)
    return response


async def _push(services, session, ref: Reference, image_id: str, events: BuildEvents, vertex: Vertex) -> None:
    credentials = await auth.credentials(session, ref.domain)
    events.status(vertex, "pushing layers")

    def work() -> str:
        client = services.registries.client(ref, credentials, ("pull", "push"))
        return image_push.push(services.images, services.layer_sources, client, ref, image_id, lambda _: None)
    digest = await asyncio.to_thread(work)
    events.status(vertex, f"pushing manifest for {ref}@{digest}")
