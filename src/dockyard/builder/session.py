"""What a build gets from its client beyond the context: secrets, SSH agents, entitlements.

BuildKit's protocol carries these in the client's session (`--secret`, `--ssh`, `--allow`); the
BuildKit edge implements `BuildSession` over it. The classic `POST /build` has no session:
`NO_SESSION` holds no secrets and no agents, so a `RUN --mount=type=secret|ssh` is skipped as
BuildKit skips one whose secret or agent the client did not send, and fails as BuildKit does
when the mount is `required`. Entitlements: classic builds may use the host's network (as
`docker build --network host` may) but never run insecure.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from contextlib import AbstractAsyncContextManager
from typing import AsyncIterator, Protocol

NETWORK_HOST, SECURITY_INSECURE = "network.host", "security.insecure"


class BuildSession(Protocol):
    entitlements: frozenset[str]
    hint: str   # added to "not found" errors: where the secrets of this kind of build come from

    async def secret(self, secret_id: str) -> bytes | None:
        """The secret's value, or None when the client has none of that id."""

    def ssh_agent(self, ssh_id: str) -> AbstractAsyncContextManager[str | None]:
        """The host path of a unix socket that reaches the client's
        agent `ssh_id` while the block runs (the builder sets its owner and mode), or None."""


class NoSession:
    entitlements = frozenset({NETWORK_HOST})
    hint = " (POST /build carries no secrets or SSH agents: build with BuildKit, docker buildx build --secret/--ssh)"

    async def secret(self, secret_id: str) -> bytes | None:
        return None

    @asynccontextmanager
    async def ssh_agent(self, ssh_id: str) -> AsyncIterator[str | None]:
        yield None


NO_SESSION = NoSession()
