"""The error hierarchy → gRPC status codes, in one place (as `api.status` is for HTTP)."""

from __future__ import annotations

import asyncio
import functools
import logging

import grpc

from dockyard import errors

log = logging.getLogger(__name__)

_CODES = {
    errors.InvalidArgument: grpc.StatusCode.INVALID_ARGUMENT,
    errors.NotFound: grpc.StatusCode.NOT_FOUND,
    errors.Conflict: grpc.StatusCode.FAILED_PRECONDITION,
    errors.NotModified: grpc.StatusCode.FAILED_PRECONDITION,
    errors.Unauthorized: grpc.StatusCode.UNAUTHENTICATED,
    errors.Forbidden: grpc.StatusCode.PERMISSION_DENIED,
    errors.NotImplementedYet: grpc.StatusCode.UNIMPLEMENTED,
}


def status_code(err: errors.DockyardError) -> grpc.StatusCode:
    for kind in type(err).__mro__:
        if kind in _CODES:
            return _CODES[kind]
    return grpc.StatusCode.UNKNOWN


def _finished(held: set):
    def done(task: asyncio.Task) -> None:
        held.discard(task)
        if not task.cancelled() and task.exception() is not None and not isinstance(
                task.exception(), (errors.DockyardError, grpc.aio.AbortError)):
            log.warning("CRI call failed after its caller left: %r", task.exception())
    return done


def rpc(method=None, *, cancellable: bool = False):
    """A servicer method whose DockyardError becomes the call's status (and message).

    A caller that goes away (a deadline, a cancelled context) does not stop the work: a sandbox
    half removed would stay so. `cancellable` methods (a pull) see the cancellation instead."""
    if method is None:
        return functools.partial(rpc, cancellable=cancellable)

    @functools.wraps(method)
    async def call(self, request, context):
        try:
            work = method(self, request, context)
            if cancellable:
                return await work
            task = asyncio.ensure_future(work)
            held = self.__dict__.setdefault("_rpc_work", set())   # asyncio holds tasks weakly
            held.add(task)
            task.add_done_callback(_finished(held))
            return await asyncio.shield(task)
        except grpc.aio.AbortError:
            raise
        except errors.DockyardError as err:
            await context.abort(status_code(err), err.message)
        except Exception as err:
            log.exception("CRI %s failed", method.__name__)
            await context.abort(grpc.StatusCode.UNKNOWN, f"{method.__name__}: {err}")
    return call
