"""The session registry: builds that ask for a session before its connection arrives wait for
it (all of them), and one that never comes fails with BuildKit's words and is forgotten."""

import asyncio
import socket

import pytest

from dockyard.api.buildkit import sessions as sessions_module
from dockyard.api.buildkit.sessions import Sessions
from dockyard.errors import NotFound
from tests.unit.api.grpc.test_grpc_over_h2 import Raw


def test_waiting_builds_get_the_session_when_it_arrives_and_a_missing_one_times_out(monkeypatch):
    monkeypatch.setattr(sessions_module, "_WAIT", 0.2)

    async def scenario():
        registry = Sessions()
        early = [asyncio.ensure_future(registry.get("s1")) for _ in range(2)]
        await asyncio.sleep(0)
        left, right = socket.socketpair()
        raw = Raw(*await asyncio.open_connection(sock=left))
        serving = asyncio.ensure_future(registry.serve({"x-docker-expose-session-uuid": "s1"}, raw))
        first, second = await asyncio.gather(*early)
        assert first is second and first.id == "s1" and registry.find("s1") is first
        assert await registry.get("s1") is first                     # present: at once
        with pytest.raises(NotFound, match="no active session for s2: context deadline exceeded"):
            await registry.get("s2")
        cancelled = asyncio.ensure_future(registry.get("s3"))
        await asyncio.sleep(0)
        cancelled.cancel()
        await asyncio.gather(cancelled, return_exceptions=True)
        assert registry._awaited == {}                               # nothing kept for either
        right.close()
        await asyncio.wait_for(serving, 5)                          # the client went: the session goes
        assert registry.find("s1") is None

    asyncio.run(asyncio.wait_for(scenario(), 30))
