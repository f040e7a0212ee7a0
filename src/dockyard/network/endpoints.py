"""A new endpoint of a container on a network: its checks and addresses (pure; the addresses
are taken from the network's pools, which the caller saves), and their release."""

from __future__ import annotations

from typing import Iterable

from dockyard.errors import Conflict, Forbidden, InvalidArgument
from dockyard.network import ipam
from dockyard.network.model import Endpoint, Network, new_id
from dockyard.network.sandbox import Sandbox


def reserve_in_sandbox(sandboxes: dict[str, Sandbox], container_id: str, netns_path: str | None,
                       net: Network, cfg: dict, name: str, hostname: str) -> Endpoint:
    """The container's sandbox (made if new) with an endpoint on `net` in it, which reserves its
    ifname, default route and addresses while the kernel attaches it. A network of another
    driver (host, none) is the container's only one and gives it no addresses."""
    sb = sandboxes.setdefault(container_id, Sandbox(container_id, netns_path))
    sb.netns_path = sb.netns_path or netns_path
    if net.id in sb.endpoints:
        raise Forbidden(f"endpoint with name {name} already exists in network {net.name}")
    if net.driver != "bridge":
        if sb.endpoints:
            raise Forbidden(f"container cannot be connected to the {net.name} network and others")
        ep = Endpoint(new_id(), net.id, container_id, name, hostname, "", None, None, 0, None, "")
    else:
        if not sb.netns_path:
            raise InvalidArgument(f"container {container_id} has no network namespace")
        ep = reserve_endpoint(sb, net, cfg, name, hostname, sandboxes.values())
    sb.endpoints[net.id] = ep
    return ep


def release_addresses(net: Network, ep: Endpoint) -> None:
    """The addresses `ep` held go back to the network's pools (the caller saves `net`)."""
    for pool in net.pools:
        pool.release_owner(ep.id)


def reserve_endpoint(sb: Sandbox, net: Network, cfg: dict, name: str, hostname: str,
                     others: Iterable[Sandbox]) -> Endpoint:
    """An endpoint for `cfg` (an EndpointConfig) with its IPv4 address, and its IPv6 one on a
    network with IPv6 enabled; the first endpoint outside internal networks routes by default."""
    ipam_config = cfg.get("IPAMConfig") or {}
    requested, requested6 = ipam_config.get("IPv4Address"), ipam_config.get("IPv6Address")
    six = net.ipv6_pool
    if (requested or requested6) and net.builtin:
        raise InvalidArgument("user specified IP address is supported on user defined networks only")
    # dockerd checks the configured IPv6 subnet, enabled or not: with IPv6 off, the address
    # asked for is kept in IPAMConfig and the container gets none
    if (requested and not net.ipam.user_subnet) or (requested6 and not (net.pool6 and net.pool6.user_subnet)):
        raise Forbidden("user specified IP address is supported only when connecting to networks "
                        "with user configured subnets")
    if name and any(other is not sb and net.id in other.endpoints and other.endpoints[net.id].container_name == name
                    for other in others):
        raise Conflict(f"endpoint with name {name} already exists in network {net.name}")
    ep_id = new_id()
    addr = net.ipam.allocate(ep_id, requested)
    try:
        addr6 = six.allocate(ep_id, requested6) if six else None
    except BaseException:
        net.ipam.release_owner(ep_id)
        raise
    return Endpoint(
        id=ep_id, network_id=net.id, container_id=sb.container_id, container_name=name,
        hostname=hostname, ifname=sb.next_ifname(), host_veth="dy" + ep_id[:11],
        address=str(addr), prefixlen=net.ipam.subnet.prefixlen, gateway=str(net.ipam.gateway),
        mac=cfg.get("MacAddress") or ipam.mac_for(addr),
        aliases=list(cfg.get("Aliases") or []), ipam_config=ipam_config or None,
        default_route=not net.internal and not sb.has_default_route(), links=list(cfg.get("Links") or []),
        address6=str(addr6) if addr6 else None, prefixlen6=six.subnet.prefixlen if six else 0,
        gateway6=str(six.gateway) if six else None, driver_opts=cfg.get("DriverOpts") or None,
    )
