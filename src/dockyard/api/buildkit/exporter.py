"""The `moby`/`image` exporter of a BuildKit solve: name the image (`-t`, `--load`), push it
(`--push`, with credentials the client's session hands out through its Auth service), and
report it as BuildKit's `exporting to image` step and exporter response."""

from __future__ import annotations

import asyncio

from dockyard.api.buildkit.generated import auth_pb2, control_pb2
from dockyard.builder.vertices import BuildEvents
from dockyard.errors import InvalidArgument
from dockyard.images import push as image_push
from dockyard.oci import reference
from dockyard.registry.credentials import Credentials

AUTH_CREDENTIALS = "/moby.filesync.v1.Auth/Credentials"
_IMAGE_EXPORTERS = ("moby", "image")
_DOCKER_HUB = "registry-1.docker.io"


def exporters_of(request: control_pb2.SolveRequest) -> list[tuple[str, dict[str, str]]]:
    found = [(e.Type, dict(e.Attrs)) for e in request.Exporters]
    if not found and request.ExporterDeprecated:
        found = [(request.ExporterDeprecated, dict(request.ExporterAttrsDeprecated))]
    for kind, _ in found:
        if kind not in _IMAGE_EXPORTERS:
            raise InvalidArgument(f"exporter {kind!r} is not supported by this daemon: "
                                  f"images are exported to its image store (--load, -t) or pushed (--push)")
    return found


async def export(services, session, request: control_pb2.SolveRequest, image_id: str | None,
                 events: BuildEvents) -> control_pb2.SolveResponse:
    response = control_pb2.SolveResponse()
    exporters = exporters_of(request)
    if image_id is None or not exporters:
        return response
    names = [name for _, attrs in exporters for name in attrs.get("name", "").split(",") if name]
    push = any(attrs.get("push") in ("true", "1") for _, attrs in exporters)
    refs = [reference.parse(name).with_default_tag() for name in names]
    vertex = events.start("exporting to image")
    events.status(vertex, "exporting layers")
    events.status(vertex, f"writing image {image_id}")
    for ref in refs:
        await asyncio.to_thread(services.images.tag, image_id, ref.name, ref.tag)
        events.status(vertex, f"naming to {ref}")
    if push:
        for ref in refs:
            credentials = await _credentials(session, ref.domain)
            status = f"pushing {ref}"
            events.status(vertex, status, done=False)
            await asyncio.to_thread(_push, services, ref, image_id, credentials)
            events.status(vertex, status)
    events.done(vertex)
    response.ExporterResponse["containerimage.config.digest"] = image_id
    response.ExporterResponse["containerimage.digest"] = image_id
    if names:
        response.ExporterResponse["image.name"] = ",".join(names)
    return response


def _push(services, ref, image_id: str, credentials: Credentials) -> None:
    client = services.registries.client(ref.repository(), credentials, ("pull", "push"))
    image_push.push(services.images, services.layer_sources, client, ref, image_id, lambda message: None)


async def _credentials(session, domain: str) -> Credentials:
    """What the client's credential store holds for the registry (as BuildKit asks for it)."""
    if not session.supports(AUTH_CREDENTIALS):
        return Credentials()
    host = _DOCKER_HUB if domain == "docker.io" else domain
    reply = auth_pb2.CredentialsResponse.FromString(
        await session.call(AUTH_CREDENTIALS).unary(auth_pb2.CredentialsRequest(Host=host).SerializeToString()))
    if reply.Username:
        return Credentials(username=reply.Username, password=reply.Secret, server=host)
    return Credentials(identity_token=reply.Secret, server=host) if reply.Secret else Credentials()
