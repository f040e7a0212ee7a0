"""Keeps the kernel's rules in step with the networks and published ports, in order."""

from __future__ import annotations

import asyncio
import logging
from typing import Callable, Iterable

from dockyard.firewall.iptables import Iptables
from dockyard.firewall.rules import BridgeNet, PortForward
from dockyard.network.model import Network

log = logging.getLogger(__name__)


def firewall_state(bridges: Iterable[Network], forwards: list[PortForward]
                   ) -> tuple[list[BridgeNet], list[PortForward]]:
    """What our chains hold: each bridge network's rules and the published ports' forwards."""
    nets = []
    for n in bridges:
        opts = n.bridge_options
        nets.append(BridgeNet(n.linux_bridge, str(n.ipam.subnet), n.internal, masquerade=opts.masquerade,
                              icc=opts.icc, dns=n.dns_enabled))
    return nets, forwards


class FirewallSync:
    """`apply()` rewrites our chains from the current state (read under the lock, so callers
    queued behind a running apply coalesce into one); `apply_soon()` does it without waiting."""

    def __init__(self, firewall: Iptables | None,
                 state: Callable[[], tuple[list[BridgeNet], list[PortForward]]]):
        self.firewall = firewall
        self.state = state
        self._lock = asyncio.Lock()
        self._pending: set[asyncio.Task] = set()

    async def apply(self) -> None:
        if self.firewall is None:
            return
        async with self._lock:
            nets, ports = self.state()
            await asyncio.to_thread(self.firewall.apply, nets, ports)

    def apply_soon(self) -> None:
        """For changes that only remove rules: a stale DNAT to a stopped container for a few
        ms is harmless, while anything adding rules awaits `apply`."""
        if self.firewall is None:
            return
        task = asyncio.get_running_loop().create_task(self._apply_quietly())
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _apply_quietly(self) -> None:
        try:
            await self.apply()
        except Exception as exc:  # the next apply rewrites everything anyway
            log.warning("firewall update failed: %s", exc)

    async def settle(self) -> None:
        """Wait for background updates (tests, shutdown)."""
        while self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)

    async def teardown(self) -> None:
        await self.settle()
        if self.firewall is not None:
            await asyncio.to_thread(self.firewall.teardown)
