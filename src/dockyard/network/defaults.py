"""Choosing the default bridge network's name and subnet at daemon start."""

from __future__ import annotations

import ipaddress
from typing import Callable

from dockyard.network import ipam
from dockyard.network.bridge import BridgeDriver
from dockyard.network.model import Network, default_bridge_options
from dockyard.network.registry import NetworkRegistry


def default_bridge(registry: NetworkRegistry, driver: BridgeDriver, bridge: str, bip: str | None,
                   host_networks: Callable[[], list[ipaddress.IPv4Network]]) -> Network:
    """The `bridge` network's record, created or updated for this start's --bridge/--bip."""
    net = registry.by_name("bridge")
    pool = _pool(net, driver, bridge, bip, registry, host_networks)
    if net is None:
        net = registry.builtin("bridge", bridge=bridge, pool=pool)
    elif net.pool is None or net.pool.subnet != pool.subnet or net.bridge != bridge:
        net.pool, net.bridge = pool, bridge
    net.options = default_bridge_options(bridge)
    registry.save(net)
    return net


def _pool(current, driver, bridge, bip, registry, host_networks) -> ipam.Pool:
    if bip:
        iface = ipaddress.ip_interface(bip)
        return ipam.Pool.configure(str(iface.network), str(iface.ip))
    if current and current.pool and current.bridge == bridge:
        return current.pool  # keeps its allocations across restarts
    existing = driver.bridge_address(bridge)
    if existing:  # adopt a bridge the admin made (dockerd's -b)
        iface = ipaddress.ip_interface(f"{existing[0]}/{existing[1]}")
        return ipam.Pool.configure(str(iface.network), str(iface.ip))
    taken = [*host_networks(), *registry.subnets()]
    subnet = ipam.choose_subnet(ipam.bridge_pools(registry.address_pools), taken)
    return ipam.Pool.configure(str(subnet))
