"""Registry credentials from the client's session (`moby.filesync.v1.Auth/Credentials`), as
BuildKit asks for them: per registry host, when a base image is pulled."""

from __future__ import annotations

import asyncio

from dockyard.api.buildkit.generated import auth_pb2
from dockyard.registry.credentials import Credentials

CREDENTIALS = "/moby.filesync.v1.Auth/Credentials"
_DOCKER_HUB = "registry-1.docker.io"


async def credentials(session, domain: str) -> Credentials:
    """What the client's credential store holds for the registry (anonymous when nothing)."""
    if session is None or not session.supports(CREDENTIALS):
        return Credentials()
    host = _DOCKER_HUB if domain == "docker.io" else domain
    reply = auth_pb2.CredentialsResponse.FromString(
        await session.call(CREDENTIALS).unary(auth_pb2.CredentialsRequest(Host=host).SerializeToString()))
    if reply.Username:
        return Credentials(username=reply.Username, password=reply.Secret, server=host)
    return Credentials(identity_token=reply.Secret, server=host) if reply.Secret else Credentials()


class SessionAuths(dict):
    """The builder's `registry_auths` map, filled on demand from the session. Looked up from the
    puller's worker thread, so each miss asks the session on the event loop and waits."""

    def __init__(self, session, loop: asyncio.AbstractEventLoop):
        super().__init__()
        self._session, self._loop = session, loop

    def get(self, domain, default=None):
        if domain not in self:
            future = asyncio.run_coroutine_threadsafe(credentials(self._session, domain), self._loop)
            found = future.result(timeout=60)
            self[domain] = found
        return super().get(domain, default)
