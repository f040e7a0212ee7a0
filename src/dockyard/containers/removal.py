"""Removing a container: its record marked, its layer, volumes and record gone, then `destroy`.

One removal per container at a time: an auto-removal and a `docker rm -f` that meet share the
first one's work, which a client going away does not cut short. A daemon killed meanwhile
finds the record marked "removing" and finishes it at start (recovery.py).
"""

import asyncio
import shutil

from dockyard.containers.model import Container
from dockyard.containers.waiters import WaitResult


class ContainerRemoval:
    def __init__(self, registry, runner, images, volumes, late_sessions, restarts, events, waiters):
        self._registry, self._runner, self._images, self._volumes = registry, runner, images, volumes
        self._late, self._restarts, self._events, self._waiters = late_sessions, restarts, events, waiters
        self._removing: dict[str, asyncio.Future] = {}

    async def remove(self, container: Container, volumes: bool,
                     shim_ending: asyncio.Future | None = None) -> None:
        """shim_ending: from an exit's handling, which tore the container down already; the shim
        may still be deleting the container from the runtime (its cgroup, its state)."""
        if self._registry.find(container.id) is None:
            return
        removal = self._removing.get(container.id)
        if removal is None:
            removal = self._removing[container.id] = asyncio.ensure_future(
                self._remove(container, volumes, shim_ending))
            removal.add_done_callback(lambda _: self._removing.pop(container.id, None))
        await asyncio.shield(removal)

    async def _remove(self, container: Container, volumes: bool, shim_ending: asyncio.Future | None) -> None:
        container.state.status = "removing"
        await self._registry.save_in_thread(container)   # a daemon killed from here on finishes it at start
        self._restarts.cancel(container.id)
        self._late.abandon_all(container.id)
        if shim_ending is None:
            await self._runner.teardown(container)
        self._images.remove_container_layer(container.id)
        if self._volumes is not None:
            await self._volumes.after_remove(container, remove_anonymous=volumes)
        self._registry.remove(container)
        if shim_ending is not None:     # its cgroup is gone before anyone hears `removed`
            await shim_ending
        for directory in (self._registry.directory(container.id), self._runner.state_dir(container.id)):
            asyncio.get_running_loop().run_in_executor(None, _remove_tree, directory)  # nobody waits on it
        self._events(container, "destroy")
        self._waiters.removed(container.id, WaitResult(container.state.exit_code))


def _remove_tree(path) -> None:
    shutil.rmtree(path, ignore_errors=True)
