"""What `reconcile` clears at daemon start: kernel objects and addresses of containers that are gone."""

from pathlib import Path

from dockyard.netlink import links


def sweep_kernel(ns, driver, registry, sandboxes: dict, netns_dir: Path, keep: set[str]) -> None:
    """Pinned network namespaces of containers not kept, and our veths nobody owns any more."""
    for entry in links.netns_dir_entries(netns_dir):
        if entry not in keep:
            ns.remove(netns_dir / entry)
    wanted = {ep.host_veth for sb in sandboxes.values() for ep in sb.endpoints.values()}
    bridges = [n.bridge for n in registry.bridges()]
    for ports in driver.bridge_ports(bridges).values():
        for port in ports:
            if port.startswith("dy") and port not in wanted:
                driver.detach(port)


def sweep_allocations(registry, sandboxes: dict) -> None:
    """Addresses allocated to endpoints that no sandbox has (a crash between allocate and save)."""
    owners = {ep.id for sb in sandboxes.values() for ep in sb.endpoints.values()}
    for net in registry.bridges():
        swept = False
        for pool in net.pools:
            stale = [a for a, o in pool.allocated.items() if o not in owners]
            for addr in stale:
                pool.release(addr)
            swept |= bool(stale)
        if swept:
            registry.save(net)
