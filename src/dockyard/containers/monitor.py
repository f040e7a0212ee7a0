"""Watching the shims of running containers and reporting each exit once."""

import asyncio
import logging
from typing import Awaitable, Callable

from dockyard.containers.model import Container
from dockyard.errors import Conflict
from dockyard.shim.client import ShimClient

log = logging.getLogger(__name__)
ExitHandler = Callable[[Container, object, object], Awaitable[None]]


class ShimWatcher:
    def __init__(self):
        self._shims: dict[str, ShimClient] = {}
        self._exits: dict[str, asyncio.Future] = {}
        self._tasks: dict[str, asyncio.Task] = {}      # waiting for an exit
        self._handling: set[asyncio.Task] = set()       # handling one (teardown, restart, removal)

    def shim_of(self, container_id: str):
        return self._shims.get(container_id)

    def watch(self, container: Container, shim, on_exit: ExitHandler) -> None:
        """Report the exit of this run of `container` to `on_exit` (container, shim, status)."""
        self._shims[container.id] = shim
        self._exits[container.id] = asyncio.get_running_loop().create_future()
        self._tasks[container.id] = asyncio.ensure_future(self._wait(container, shim, on_exit))

    def exit_future(self, container_id: str) -> asyncio.Future:
        """Resolved once the current run's exit has been fully handled."""
        future = self._exits.get(container_id)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            future.set_result(None)
        return future

    async def _wait(self, container: Container, shim, on_exit: ExitHandler) -> None:
        status = None
        try:
            status = await shim.wait()
        except Exception as err:  # the shim died without recording a status
            log.warning("lost the shim of %s: %s", container.id[:12], err)
        self._shims.pop(container.id, None)
        # From waiting to handling: held in _handling meanwhile, since asyncio keeps tasks only
        # weakly and one waiting on a shim's socket would otherwise be garbage mid-way.
        task = asyncio.current_task()
        assert task is not None  # a coroutine runs in a task
        if self._tasks.get(container.id) is task:
            del self._tasks[container.id]
        self._handling.add(task)
        try:
            await on_exit(container, shim, status)
        finally:
            self._handling.discard(task)
            future = self._exits.pop(container.id, None)
            if future is not None and not future.done():
                future.set_result(status)

    async def signal(self, container: Container, number: int) -> bool:
        """Signal the container's process; False if it exited meanwhile (then its exit is being
        handled: wait for `exit_future`) or is not watched."""
        shim = self._shims.get(container.id)
        if shim is None:
            return False
        try:
            await shim.kill(number)
        except Conflict:
            return False
        return True

    async def close(self) -> None:
        """Daemon shutdown: stop watching; the shims and their containers keep running."""
        for task in list(self._tasks.values()):
            task.cancel()
        await asyncio.gather(*self._tasks.values(), *self._handling, return_exceptions=True)
