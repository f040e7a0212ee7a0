"""Link, address and route operations on a pyroute2 `IPRoute` (host side or in a netns).

Each function takes an open `ipr` so a caller batches several operations in one
namespace entry (see `netns.Namespaces.run`).
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass
from pathlib import Path

from pyroute2 import IPRoute
from pyroute2.netlink.exceptions import NetlinkError


def link_index(ipr: IPRoute, name: str) -> int | None:
    """Index of one link by name (a targeted RTM_GETLINK, not a dump of every link)."""
    try:
        return ipr.link("get", ifname=name)[0]["index"]
    except NetlinkError as exc:
        if exc.code == errno.ENODEV:
            return None
        raise


def ensure_bridge(ipr: IPRoute, name: str, address: str, prefixlen: int, mtu: int = 1500) -> int:
    """Create (if missing) an up bridge carrying address/prefixlen; return its index."""
    index = link_index(ipr, name)
    if index is None:
        try:
            ipr.link("add", ifname=name, kind="bridge", mtu=mtu)
        except NetlinkError as exc:
            if exc.code != errno.EEXIST:
                raise
        index = link_index(ipr, name)
        if index is None:
            raise OSError(errno.ENODEV, f"bridge {name} vanished after it was made")
    have = {
        (a.get_attr("IFA_ADDRESS"), a["prefixlen"]) for a in ipr.get_addr(index=index, family=2)
    }
    if (address, prefixlen) not in have:
        ipr.addr("add", index=index, address=address, prefixlen=prefixlen)
    ipr.link("set", index=index, state="up")
    return index


def delete_link(ipr: IPRoute, name: str) -> bool:
    """Delete a link by name (one request); False if there was none."""
    try:
        ipr.link("del", ifname=name)
    except NetlinkError as exc:
        if exc.code != errno.ENODEV:
            raise
        return False
    return True


@dataclass(frozen=True)
class VethPlan:
    """A veth pair: `host` enslaved to `bridge` and up; `peer` born inside the container
    netns under its final name and MAC (no rename, no move)."""

    host: str
    peer: str
    mac: str
    bridge: str
    netns_path: str
    mtu: int = 1500


def bridge_index(ipr: IPRoute, name: str) -> int:
    index = link_index(ipr, name)
    if index is None:
        raise OSError(errno.ENODEV, f"bridge {name} does not exist")
    return index


def create_veth(ipr: IPRoute, plan: VethPlan, bridge: int) -> None:
    """One RTM_NEWLINK: both ends, the master (`bridge`, an index), the up flag, the peer's
    netns, name and MAC."""
    fd = os.open(plan.netns_path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        ipr.link(
            "add", ifname=plan.host, kind="veth", mtu=plan.mtu, master=bridge, state="up",
            peer={"ifname": plan.peer, "net_ns_fd": fd, "mtu": plan.mtu, "address": plan.mac},
        )
    finally:
        os.close(fd)


@dataclass(frozen=True)
class IfacePlan:
    """How the container-side interface is configured inside its netns."""

    name: str  # eth0, eth1...
    address: str
    prefixlen: int
    gateway: str | None  # None: no default route (internal networks, extra networks)


def configure_iface(ipr: IPRoute, plan: IfacePlan) -> None:
    index = link_index(ipr, plan.name)
    if index is None:
        raise OSError(errno.ENODEV, f"interface {plan.name} missing in container netns")
    ipr.addr("add", index=index, address=plan.address, prefixlen=plan.prefixlen)
    ipr.link("set", index=index, state="up")
    if plan.gateway:
        ipr.route("replace", dst="0.0.0.0/0", gateway=plan.gateway, oif=index)


def loopback_up(ipr: IPRoute) -> None:
    ipr.link("set", index=1, state="up")


def bridge_ports(ipr: IPRoute, bridge: str) -> list[str]:
    index = link_index(ipr, bridge)
    if index is None:
        return []
    return [
        link.get_attr("IFLA_IFNAME")
        for link in ipr.get_links()
        if link.get_attr("IFLA_MASTER") == index
    ]


def host_networks(ipr: IPRoute) -> list[str]:
    """Every IPv4 route destination and interface address on the host, as CIDR text."""
    nets = []
    for route in ipr.get_routes(family=2):
        dst = route.get_attr("RTA_DST")
        if dst and route["dst_len"] > 0 and route.get_attr("RTA_TABLE") in (254, None):
            nets.append(f"{dst}/{route['dst_len']}")
    for addr in ipr.get_addr(family=2):
        nets.append(f"{addr.get_attr('IFA_ADDRESS')}/{addr['prefixlen']}")
    return nets


def netns_dir_entries(root: Path) -> list[str]:
    try:
        return sorted(os.listdir(root))
    except FileNotFoundError:
        return []
