"""Attach sessions opened before the process exists (`docker run` attaches before `start`).

A `LateSession` buffers stdin and waits for output until `bind` hands it the real session of
the process, so nothing written before start is lost and no output is missed. It remembers
what to attach to at start: the streams wanted and, once the client's connection is hijacked,
the socket the shim may write the output to itself.
"""

import asyncio
import os


class LateSession:
    def __init__(self, *, stdin: bool, stdout: bool, stderr: bool):
        self.wanted = {"stdin": stdin, "stdout": stdout, "stderr": stderr}
        self.output_fd: int | None = None
        self._bound: asyncio.Future = asyncio.get_running_loop().create_future()
        self._stdin: list[bytes] = []
        self._stdin_closed = False

    def send_output_to(self, fd: int | None) -> None:
        """The client's socket, for the process's output (set before start; later it is moot).
        A copy is kept: the client's connection may close before the start comes."""
        if self.waiting and fd is not None and self.output_fd is None:
            self.output_fd = os.dup(fd)

    def release_output_fd(self) -> None:
        if self.output_fd is not None:
            os.close(self.output_fd)
            self.output_fd = None

    async def bind(self, session) -> None:
        for data in self._stdin:
            await session.write_stdin(data)
        if self._stdin_closed:
            await session.close_stdin()
        if not self._bound.done():
            self._bound.set_result(session)

    def abandon(self) -> None:
        """The process never started (start failed or the container was removed)."""
        self.release_output_fd()
        if not self._bound.done():
            self._bound.set_result(None)

    @property
    def waiting(self) -> bool:
        return not self._bound.done()

    async def __aiter__(self):
        session = await self._bound
        if session is None:
            return
        async for item in session:
            yield item

    async def write_stdin(self, data: bytes) -> None:
        if self._bound.done() and self._bound.result() is not None:
            await self._bound.result().write_stdin(data)
        else:
            self._stdin.append(data)

    async def close_stdin(self) -> None:
        if self._bound.done() and self._bound.result() is not None:
            await self._bound.result().close_stdin()
        else:
            self._stdin_closed = True

    def close(self) -> None:
        if self._bound.done() and self._bound.result() is not None:
            self._bound.result().close()
        else:
            self.abandon()
