"""Bridge driver: plans (data) for bridges and container interfaces, executed over netlink."""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from pyroute2.netlink.exceptions import NetlinkError

from dockyard.netlink import links
from dockyard.netlink.links import IfacePlan, VethPlan
from dockyard.netlink.netns import Namespaces

log = logging.getLogger(__name__)

LOCK_DIR = Path("/run/lock")


def claim_bridge(name: str, exec_root: Path, lock_dir: Path = LOCK_DIR) -> tuple[str, "BridgeClaim"]:
    """Take a host-wide lock on the default bridge's name, so two daemons never share one
    bridge (and hand out the same addresses). If another live daemon holds `name`, fall back
    to a name derived from this daemon's exec-root."""
    fallback = "dy" + hashlib.sha256(str(exec_root).encode()).hexdigest()[:10]
    for candidate in (name, fallback):
        claim = BridgeClaim.take(lock_dir / f"dockyard-bridge-{candidate}.lock")
        if claim is not None:
            if candidate != name:
                log.warning("bridge %s belongs to another dockyard daemon; using %s", name, candidate)
            return candidate, claim
    raise OSError(f"bridges {name} and {fallback} are both held by other dockyard daemons")


@dataclass
class BridgeClaim:
    """An flock on a lock file; the file is removed on release so none accumulate."""

    path: Path
    fd: int

    @classmethod
    def take(cls, path: Path) -> "BridgeClaim | None":
        path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                return None
            try:
                if os.stat(path).st_ino == os.fstat(fd).st_ino:
                    return cls(path, fd)
            except FileNotFoundError:
                pass
            os.close(fd)  # locked a file its holder just unlinked: try the new one

    def release(self) -> None:
        try:
            os.unlink(self.path)  # while still locked: nobody can hold the unlinked inode
        except FileNotFoundError:
            pass
        os.close(self.fd)


@dataclass(frozen=True)
class AttachPlan:
    """Everything that makes one endpoint exist: the veth pair and the container side."""

    veth: VethPlan
    iface: IfacePlan


def plan_attach(endpoint, bridge: str, netns_path: str, mtu: int) -> AttachPlan:
    """The plan of a reserved endpoint (`model.Endpoint`); it gets the default routes when
    it is the endpoint that carries them."""
    return AttachPlan(
        veth=VethPlan(host=endpoint.host_veth, peer=endpoint.ifname, mac=endpoint.mac, bridge=bridge,
                      netns_path=netns_path, mtu=mtu),
        iface=IfacePlan(name=endpoint.ifname, address=endpoint.address, prefixlen=endpoint.prefixlen,
                        gateway=endpoint.gateway if endpoint.default_route else None,
                        address6=endpoint.address6, prefixlen6=endpoint.prefixlen6,
                        gateway6=endpoint.gateway6 if endpoint.default_route else None),
    )


class BridgeDriver:
    """Executes plans; every call blocks (run it in a worker thread)."""

    def __init__(self, namespaces: Namespaces):
        self.ns = namespaces
        self._bridge_indexes: dict[str, int] = {}   # only touched in the host's netlink thread

    def ensure_bridge(self, net) -> None:
        """The Linux bridge of a network (`model.Network`) with its gateways' addresses."""
        six = (str(net.ipv6_pool.gateway), net.ipv6_pool.subnet.prefixlen) if net.ipv6_pool else None

        def work(ipr):
            self._bridge_indexes[net.linux_bridge] = links.ensure_bridge(
                ipr, net.linux_bridge, str(net.ipam.gateway), net.ipam.subnet.prefixlen,
                mtu=net.bridge_options.mtu, address6=six)

        self.ns.run(None, work)

    def remove_bridge(self, name: str) -> None:
        def work(ipr):
            self._bridge_indexes.pop(name, None)
            links.delete_link(ipr, name)

        self.ns.run(None, work)

    def attach(self, plan: AttachPlan) -> None:
        self.ns.run(None, lambda ipr: self._create_veth(ipr, plan.veth))
        try:
            self.ns.run(Path(plan.veth.netns_path), lambda ipr: self._configure_inside(ipr, plan.iface))
        except BaseException:
            self.detach(plan.veth.host)
            raise

    @staticmethod
    def _configure_inside(ipr, iface: IfacePlan) -> None:
        links.loopback_up(ipr)            # a container's netns is made with `lo` down when
        links.configure_iface(ipr, iface)  # an endpoint follows (see create_netns)

    def _create_veth(self, ipr, veth: links.VethPlan) -> None:
        """With the bridge's index as last seen; should that fail (a bridge made again since
        has another index), the failed request left nothing behind: look it up and retry."""
        index = self._bridge_indexes.get(veth.bridge)
        if index is not None:
            try:
                links.create_veth(ipr, veth, index)
                return
            except NetlinkError:
                pass
        index = self._bridge_indexes[veth.bridge] = links.bridge_index(ipr, veth.bridge)
        links.create_veth(ipr, veth, index)

    def detach(self, host_veth: str) -> None:
        """Deleting the host side deletes the peer inside the container too."""
        self.ns.run(None, lambda ipr: links.delete_link(ipr, host_veth))

    def set_default_route(self, netns_path: str, gateway: str | None, ifname: str,
                          gateway6: str | None = None) -> None:
        def work(ipr):
            index = links.link_index(ipr, ifname)
            if gateway and index is not None:
                ipr.route("replace", dst="0.0.0.0/0", gateway=gateway, oif=index)
            if gateway6 and index is not None:
                ipr.route("replace", dst="::/0", gateway=gateway6, oif=index, family=10)

        self.ns.run(Path(netns_path), work)

    def host_networks(self) -> list[str]:
        return self.ns.run(None, links.host_networks)

    def bridge_ports(self, bridges: list[str]) -> dict[str, list[str]]:
        return self.ns.run(None, lambda ipr: {b: links.bridge_ports(ipr, b) for b in bridges})

    def bridge_address(self, name: str) -> tuple[str, int] | None:
        """First IPv4 address of an existing bridge (to adopt a user's --bridge)."""

        def work(ipr):
            index = links.link_index(ipr, name)
            if index is None:
                return None
            for addr in ipr.get_addr(index=index, family=2):
                return addr.get_attr("IFA_ADDRESS"), addr["prefixlen"]
            return None

        return self.ns.run(None, work)
