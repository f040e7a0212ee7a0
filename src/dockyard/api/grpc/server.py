"""Serve gRPC methods on a hijacked connection: the peer is the HTTP/2 client."""

from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable

from dockyard.api.grpc.calls import ServerCall
from dockyard.api.grpc.framing import GrpcError, Status
from dockyard.api.grpc.h2_endpoint import H2Endpoint, H2Stream
from dockyard.api.responses import RawStream
from dockyard.errors import Conflict, DockyardError, InvalidArgument, NotFound

log = logging.getLogger(__name__)

Method = Callable[[ServerCall], Awaitable[None]]


class GrpcServer:
    def __init__(self, methods: dict[str, Method]):
        self._methods = methods

    async def serve(self, raw: RawStream) -> None:
        calls: set[asyncio.Task] = set()

        def on_request(stream: H2Stream) -> None:
            task = asyncio.ensure_future(self._call(endpoint, stream))
            calls.add(task)
            task.add_done_callback(calls.discard)

        endpoint = H2Endpoint(raw, client_side=False, on_request=on_request)
        try:
            await endpoint.start()
            await endpoint.run()
        finally:
            for task in list(calls):
                task.cancel()
            await asyncio.gather(*calls, return_exceptions=True)

    async def _call(self, endpoint: H2Endpoint, stream: H2Stream) -> None:
        call = ServerCall(endpoint, stream, stream.headers.result())
        method = self._methods.get(call.path)
        if method is None:
            log.debug("gRPC method not served: %s", call.path)   # buildx probes two each build
            await call.finish(Status.UNIMPLEMENTED, f"unknown method {call.path}")
            return
        try:
            await method(call)
        except GrpcError as err:
            await call.finish(err.code, err.message)
        except DockyardError as err:
            await call.finish(_status_of(err), err.message)
        except ConnectionError as err:
            log.debug("%s: %s", call.path, err)
        except Exception as err:  # a bug: the caller hears of it, the connection goes on
            log.exception("gRPC %s failed", call.path)
            await call.finish(Status.UNKNOWN, f"internal error: {err}")
        else:
            await call.finish(Status.OK)


def _status_of(err: DockyardError) -> Status:
    if isinstance(err, NotFound):
        return Status.NOT_FOUND
    if isinstance(err, InvalidArgument):
        return Status.INVALID_ARGUMENT
    if isinstance(err, Conflict):
        return Status.FAILED_PRECONDITION
    return Status.UNKNOWN
