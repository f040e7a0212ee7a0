"""Registry routes: pull (`POST /images/create?fromImage=`, dispatched from api/images.py),
push, `POST /auth` and `GET /distribution/{name}/json`.

Everything that can fail before a byte of progress is sent (a bad reference, a refused login,
a missing manifest or image) is a plain HTTP error, as dockerd's; later failures go in-band.
"""

from __future__ import annotations

import asyncio
import json

from dockyard.api.bodies import engine_types as bodies
from dockyard.api.blocking import progress_stream
from dockyard.api.request import Request
from dockyard.api.responses import Response, StreamResponse, json_response
from dockyard.api.router import Route
from dockyard.errors import InvalidArgument
from dockyard.images import pull as image_pull
from dockyard.images import push as image_push
from dockyard.oci import digest as digests
from dockyard.oci import reference
from dockyard.oci.reference import Reference
from dockyard.registry import credentials, manifests
from dockyard.registry.hosts import first_answer


def pull_reference(from_image: str, tag: str) -> Reference:
    """`fromImage` + `tag` (a tag or a digest) → the reference to pull, `latest` by default."""
    ref = reference.parse(from_image)
    if tag and digests.is_digest(tag):
        return reference.parse(f"{ref.repository()}@{tag}")
    if tag:
        return ref.with_tag(tag)
    return ref.with_default_tag()


async def pull(services, req: Request) -> StreamResponse:
    from_image, tag = req.param("fromImage") or "", req.param("tag") or ""
    auth = credentials.decode_header(req.headers.get("x-registry-auth"))
    platform = req.param("platform") or None
    repository = reference.parse(from_image)
    all_tags = not tag and not repository.tag and not repository.digest   # dockerd: no tag = every tag
    ref = repository if all_tags else pull_reference(from_image, tag)

    def resolve(client) -> list:
        if all_tags:
            return image_pull.resolve_all_tags(client, repository, platform)
        return [image_pull.resolve(client, ref, platform)]

    plans = await asyncio.to_thread(first_answer, services.registries.pull_sources(ref, auth), resolve)

    def work(report) -> None:
        updated = False
        for plan in plans:
            updated |= image_pull.pull(services.images, services.layer_sources, plan, report)
        report(image_pull.status_line(repository.familiar_name if all_tags else ref.familiar(), updated))

    return progress_stream(work)


def routes(services) -> list[Route]:
    images = services.images

    async def push(req: Request, name: str) -> StreamResponse:
        auth = credentials.decode_header(req.headers.get("x-registry-auth"))
        found = await asyncio.to_thread(image_push.targets, images, name, req.param("tag") or None)

        def work(report) -> None:
            repository = found[0][0]
            report({"status": f"The push refers to repository [{repository.familiar_name}]"})
            client = services.registries.client(repository, auth, ("pull", "push"))
            for ref, image_id in found:
                image_push.push(images, services.layer_sources, client, ref, image_id, report)

        return progress_stream(work)

    async def login(req: Request) -> Response:
        body = await req.decode(bodies.AUTH_CONFIG)
        auth = credentials.from_auth_config(body)
        if not auth.username and not auth.identity_token:
            raise InvalidArgument("username is required")
        await asyncio.to_thread(services.registries.login, auth.server, auth)
        return json_response({"IdentityToken": "", "Status": "Login Succeeded"})

    async def inspect(req: Request, name: str) -> Response:
        """`GET /distribution/{name}/json` (buildx asks it after pushing through the daemon):
        the manifest's descriptor and the platforms it serves, read from the registry."""
        ref = reference.parse(name).with_default_tag()
        auth = credentials.decode_header(req.headers.get("x-registry-auth"))
        return json_response(await asyncio.to_thread(_distribution_info, services, ref, auth))

    return [
        Route("GET", "/distribution/{name:path}/json", inspect),
        Route("POST", "/images/{name:path}/push", push),
        Route("POST", "/auth", login),
    ]


def _distribution_info(services, ref: Reference, auth) -> dict:
    client = services.registries.client(ref, auth)
    body, content_type = client.get_manifest(ref.digest or ref.tag, ref.familiar())
    media_type = manifests.media_type_of(body, content_type)
    descriptor = {"mediaType": media_type, "digest": digests.sha256_digest(body), "size": len(body)}
    if manifests.is_index(media_type, body):
        platforms = [entry.get("platform") or {} for entry in json.loads(body).get("manifests") or []]
    else:
        config = json.loads(client.get_blob(manifests.parse_manifest(body, media_type).config.digest))
        platforms = [{k: config[k] for k in ("architecture", "os", "variant") if config.get(k)}]
    return {"Descriptor": descriptor, "Platforms": platforms}
