"""The clients' BuildKit sessions (`POST /session`): each is a gRPC server on the client's side
of a hijacked connection (file sync, auth, secrets, SSH), which builds call by session ID."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from dockyard.api.grpc.calls import ClientCall
from dockyard.api.grpc.client import GrpcChannel
from dockyard.errors import NotFound

_WAIT = 10.0  # a Solve may arrive before its session's connection: the client opens both at once


@dataclass
class Session:
    id: str
    name: str
    shared_key: str
    methods: set[str]
    channel: GrpcChannel = field(repr=False)

    def supports(self, method: str) -> bool:
        return method in self.methods

    def call(self, method: str, metadata: dict[str, list[str]] | None = None) -> ClientCall:
        return self.channel.call(method, metadata)


class Sessions:
    def __init__(self) -> None:
        self._live: dict[str, Session] = {}
        self._awaited: dict[str, list[asyncio.Future]] = {}   # session ID → the builds waiting for it

    async def serve(self, headers: dict[str, str], raw) -> None:
        """Own one hijacked `/session` connection until the client closes it."""
        methods = {m.strip() for m in headers.get("x-docker-expose-session-grpc-method", "").split(",") if m.strip()}
        session = Session(headers.get("x-docker-expose-session-uuid", ""),
                          headers.get("x-docker-expose-session-name", ""),
                          headers.get("x-docker-expose-session-sharedkey", ""), methods, GrpcChannel(raw))
        self._live[session.id] = session
        for arrival in self._awaited.pop(session.id, []):
            if not arrival.done():
                arrival.set_result(session)
        try:
            await session.channel.run()
        finally:
            if self._live.get(session.id) is session:
                del self._live[session.id]

    def find(self, session_id: str) -> Session | None:
        """The session if it is connected now."""
        return self._live.get(session_id)

    async def get(self, session_id: str) -> Session:
        session = self._live.get(session_id)
        if session is not None:
            return session
        arrival = asyncio.get_running_loop().create_future()
        self._awaited.setdefault(session_id, []).append(arrival)
        try:
            async with asyncio.timeout(_WAIT):
                return await arrival
        except TimeoutError:
            raise NotFound(f"no active session for {session_id}: context deadline exceeded") from None
        finally:
            waiting = self._awaited.get(session_id)
            if waiting is not None and arrival in waiting:   # it never came: forgotten with its last waiter
                waiting.remove(arrival)
                if not waiting:
                    del self._awaited[session_id]
