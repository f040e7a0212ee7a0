"""Network resource operations behind /networks: create, inspect, list, remove, prune,
and connect/disconnect of containers named by the API."""

from __future__ import annotations

import asyncio

from dockyard.errors import Conflict, Forbidden, InvalidArgument
from dockyard.firewall.iptables import filter_bridged_traffic
from dockyard.network.model import check_filters, matches_filters
from dockyard.network.service import NetworkService
from dockyard.wire.times import parse_time_ns, until_filter


async def create_network(svc: NetworkService, body: dict) -> dict:
    async with svc.lock:
        host = await asyncio.to_thread(svc._host_networks)
        own_routes = set(svc.registry.subnets())
        net = svc.registry.plan_user_network(body, [h for h in host if h not in own_routes])
        if not net.bridge_options.icc:
            if svc.firewall is None:
                raise InvalidArgument("com.docker.network.bridge.enable_icc=false needs iptables "
                                      "(the daemon runs with --iptables=false)")
            await asyncio.to_thread(filter_bridged_traffic)
        await asyncio.to_thread(svc.driver.ensure_bridge, net)
        svc.registry.save(net)
    await svc._apply_firewall()
    await svc._listen_dns(net)
    svc._emit(net, "create")
    return {"Id": net.id, "Warning": ""}


def inspect_network(svc: NetworkService, ref: str) -> dict:
    net = svc.registry.lookup(ref)
    return net.view(svc.endpoints_of(net))


def list_networks(svc: NetworkService, filters: dict[str, list[str]]) -> list[dict]:
    check_filters(filters)
    nets = sorted(svc.registry.networks.values(), key=lambda n: (n.created, n.name))
    return [
        n.view(svc.endpoints_of(n))
        for n in nets
        if matches_filters(n, filters, bool(svc.in_use(n)))
    ]


async def remove_network(svc: NetworkService, ref: str) -> None:
    async with svc.lock:
        net = svc.registry.lookup(ref)
        _check_removable(svc, net)
        await _remove_locked(svc, net)
    await svc._apply_firewall()
    svc._emit(net, "destroy")


def _check_removable(svc: NetworkService, net) -> None:
    if net.builtin:
        raise Forbidden(f"{net.name} is a pre-defined network and cannot be removed")
    if svc.in_use(net):
        raise Forbidden(
            f"error while removing network: network {net.name} id {net.id} has active endpoints")


async def _remove_locked(svc: NetworkService, net) -> None:
    await svc.dns.stop(net.id)
    await asyncio.to_thread(svc.driver.remove_bridge, net.bridge)
    svc.registry.delete(net)


async def prune_networks(svc: NetworkService, filters: dict[str, list[str]]) -> dict:
    until = until_filter(filters)
    removed = []
    async with svc.lock:
        for net in list(svc.registry.networks.values()):
            if net.builtin or svc.in_use(net) or not _prunable(net, filters, until):
                continue
            await _remove_locked(svc, net)
            removed.append(net)
    if removed:
        await svc._apply_firewall()
    for net in removed:
        svc._emit(net, "destroy")
    return {"NetworksDeleted": [n.name for n in removed] or None}


def _prunable(net, filters, until) -> bool:
    for spec in filters.get("label", []):
        key, sep, value = spec.partition("=")
        if key not in net.labels or (sep and net.labels[key] != value):
            return False
    for spec in filters.get("label!", []):
        key, sep, value = spec.partition("=")
        if key in net.labels and (not sep or net.labels[key] == value):
            return False
    if until is not None and parse_time_ns(net.created) > until:
        return False
    return True


async def connect_container(svc: NetworkService, ref: str, body: dict) -> None:
    """POST /networks/{id}/connect: a running container is attached now, a stopped one
    records the network for its next start (through the lifecycle's callback)."""
    net = svc.registry.lookup(ref)
    container = _lookup(svc, body.get("Container") or "")
    cfg = body.get("EndpointConfig") or {}
    if net.driver != "bridge":
        raise Forbidden(f"container cannot be disconnected from host network or connected to {net.name} network")
    if container.netns_path is None:
        if container.record_network is None:
            raise Conflict(f"container {container.id} is not running")
        container.record_network(net.name, cfg)
        return
    await svc.connect(container.id, container.netns_path, net.id, cfg, container.name,
                      container.hostname)


async def disconnect_container(svc: NetworkService, ref: str, body: dict) -> None:
    net = svc.registry.lookup(ref)
    container = _lookup(svc, body.get("Container") or "")
    if container.netns_path is None and container.record_network is not None:
        container.record_network(net.name, None)
        return
    await svc.disconnect(container.id, net.id, force=bool(body.get("Force")))


def _lookup(svc: NetworkService, ref: str):
    if not ref:
        raise InvalidArgument("container name or id is required")
    if svc.containers is None:
        raise Conflict("containers are not available in this daemon")
    return svc.containers.network_ref(ref)
