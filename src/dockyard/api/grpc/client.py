"""Call gRPC methods the peer serves on a hijacked connection: we are the HTTP/2 client."""

from __future__ import annotations

import asyncio

from dockyard.api.grpc.calls import ClientCall
from dockyard.api.grpc.h2_endpoint import H2Endpoint
from dockyard.api.responses import RawStream


class GrpcChannel:
    def __init__(self, raw: RawStream):
        self._endpoint = H2Endpoint(raw, client_side=True)

    async def run(self) -> None:
        """Speak HTTP/2 until the peer goes away."""
        await self._endpoint.start()
        await self._endpoint.run()

    @property
    def closed(self) -> asyncio.Event:
        return self._endpoint.closed

    def call(self, path: str, metadata: dict[str, list[str]] | None = None) -> ClientCall:
        return ClientCall(self._endpoint, path, metadata or {})

    def close(self) -> None:
        self._endpoint.close()
