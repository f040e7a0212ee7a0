"""The restarts a restart policy asked for, each waiting its backoff (`restart_policy.Backoff`)
on a timer of the event loop: one per container, cancelled by a stop, a removal or the
daemon's close."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from dockyard.containers.restart_policy import Backoff


class RestartTimers:
    def __init__(self) -> None:
        self._backoffs: dict[str, Backoff] = {}
        self._timers: dict[str, asyncio.TimerHandle] = {}

    def schedule(self, container_id: str, ran_for: float, restart: Callable[[], Awaitable[None]]) -> None:
        """`restart()` after the container's next backoff (which starts over once a run lasted)."""
        delay = self._backoffs.setdefault(container_id, Backoff()).next(ran_for)
        self._timers[container_id] = asyncio.get_running_loop().call_later(
            delay, lambda: asyncio.ensure_future(restart()))

    def fired(self, container_id: str) -> None:
        """The container's timer ran: it is no longer pending."""
        self._timers.pop(container_id, None)

    def cancel(self, container_id: str) -> None:
        timer = self._timers.pop(container_id, None)
        if timer is not None:
            timer.cancel()

    def cancel_all(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
