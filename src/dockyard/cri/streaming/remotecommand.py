"""Exec and attach over the command streams: stdin and resize events to the process, its
output back, and at the end Kubernetes' status object on the error stream (v4 and later; the
older protocols get the message as text)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Sequence

from dockyard.cri.streaming.streams import ERROR, STDERR, STDIN, STDOUT, CommandStreams
from dockyard.errors import DockyardError

log = logging.getLogger(__name__)


def status(exit_code: int | None, error: str = "", argv: Sequence[str] = ()) -> dict:
    """metav1.Status as the kubelet writes it: Success, a NonZeroExitCode failure, or a message."""
    if error:
        return {"metadata": {}, "status": "Failure", "message": error}
    if not exit_code:
        return {"metadata": {}, "status": "Success"}
    return {"metadata": {}, "status": "Failure",
            "message": f"command terminated with non-zero exit code: error executing command {list(argv)}, "
                       f"exit code {exit_code}",
            "reason": "NonZeroExitCode", "details": {"causes": [{"reason": "ExitCode", "message": str(exit_code)}]}}


async def finish(streams: CommandStreams, body: dict, structured: bool) -> None:
    if body["status"] != "Success":
        text = json.dumps(body) if structured else body.get("message", "")
        await streams.write(ERROR, text.encode())
    await streams.close()


async def run_exec(streams: CommandStreams, execs, container, argv: list[str], tty: bool, structured: bool) -> None:
    try:
        record, session = await execs.open_session(container, argv, tty, STDIN in streams.kinds)
    except DockyardError as err:
        await finish(streams, status(None, err.message), structured)
        return
    ended = await _bridge(streams, session, lambda w, h: execs.resize(record.id, h, w), tty)
    code = await execs.close_session(record, session, container, kill=not ended)
    await finish(streams, status(code, argv=argv), structured)


async def run_attach(streams: CommandStreams, stdio, container, tty: bool, structured: bool) -> None:
    try:
        session = await stdio.open_session(container, stdin=STDIN in streams.kinds,
                                           stdout=STDOUT in streams.kinds, stderr=STDERR in streams.kinds)
    except DockyardError as err:
        await finish(streams, status(None, err.message), structured)
        return
    await _bridge(streams, session, lambda w, h: stdio.resize(container, h, w), tty)
    session.close()
    await finish(streams, status(0), structured)


async def _bridge(streams: CommandStreams, session, resize, tty: bool) -> bool:
    """Copy until the process's output ends (True) or the client goes away (False)."""
    helpers = [asyncio.ensure_future(_stdin(streams, session, tty))]
    if tty:
        helpers.append(asyncio.ensure_future(_resize(streams, resize)))
    gone = asyncio.ensure_future(streams.gone.wait())
    output = asyncio.ensure_future(_output(streams, session, tty))
    try:
        await asyncio.wait([output, gone], return_when=asyncio.FIRST_COMPLETED)
        return output.done()
    finally:
        for task in [*helpers, gone, output]:
            task.cancel()
        for task in [*helpers, gone, output]:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


async def _output(streams: CommandStreams, session, tty: bool) -> None:
    async for stream, data in session:
        await streams.write(STDOUT if stream == 1 or tty else STDERR, data)


async def _stdin(streams: CommandStreams, session, tty: bool) -> None:
    while True:
        data = await streams.read(STDIN)
        if data is None:
            if STDIN in streams.kinds and not tty:
                await session.close_stdin()
            return
        await session.write_stdin(data)


async def _resize(streams: CommandStreams, resize) -> None:
    async for width, height in streams.resizes():
        if width and height:
            try:
                await resize(width, height)
            except DockyardError as err:
                log.debug("resize: %s", err.message)
