"""The set of networks: lookup by name/ID/prefix, creation rules, persistence."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from ipaddress import IPv4Network

from dockyard.errors import Conflict, Forbidden, InvalidArgument, NotFound
from dockyard.metadata.records import RecordStore
from dockyard.network import bridge_options, ipam
from dockyard.network.model import DRIVERS, Network, new_id, now_rfc3339


class NetworkRegistry:
    def __init__(self, store: RecordStore, address_pools: Sequence[tuple[str, int]] = ()):
        self.store = store
        self.address_pools = list(address_pools)  # --default-address-pool; empty: Docker's defaults
        self.networks: dict[str, Network] = {}

    def load(self) -> None:
        self.networks = {k: Network.from_record(v) for k, v in self.store.items()}

    def save(self, net: Network) -> None:
        self.store.put(net.id, net.to_record())
        self.networks[net.id] = net

    def saver(self, net: Network, durable: bool = True) -> Callable[[], None]:
        """`save` of a known network in two halves: its record taken now, written (and
        fsynced if durable) by the returned call, which a worker thread may run."""
        record = net.to_record()
        return lambda: self.store.put(net.id, record, durable)

    def delete(self, net: Network) -> None:
        self.store.delete(net.id)
        self.networks.pop(net.id, None)

    def by_name(self, name: str) -> Network | None:
        for net in self.networks.values():
            if net.name == name:
                return net
        return None

    def lookup(self, ref: str) -> Network:
        """Docker's order: exact name, full ID, then a unique ID prefix."""
        ref = "bridge" if ref == "default" else ref
        found = self.by_name(ref) or self.networks.get(ref)
        if found:
            return found
        matches = [n for n in self.networks.values() if n.id.startswith(ref)]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise NotFound(f"network {ref} is ambiguous ({len(matches)} matches found based on ID prefix)")
        raise NotFound(f"network {ref} not found")

    def subnets(self) -> list[IPv4Network]:
        return [n.pool.subnet for n in self.networks.values()
                if n.pool is not None and isinstance(n.pool.subnet, IPv4Network)]

    def bridges(self) -> list[Network]:
        return [n for n in self.networks.values() if n.driver == "bridge" and n.bridge]

    def builtin(self, name: str, **fields) -> Network:
        """The record of a pre-defined network, created with a stable ID on first use."""
        net = self.by_name(name)
        if net is None:
            net = Network(id=new_id(), name=name, driver=DRIVERS[name], created=now_rfc3339(),
                          builtin=True, **fields)
            self.save(net)
        return net

    def plan_user_network(self, body: dict, host_networks: list[IPv4Network]) -> Network:
        """Validate a POST /networks/create body into a (not yet saved) Network."""
        name = body.get("Name") or ""
        if not name:
            raise InvalidArgument("network name must not be empty")
        if self.by_name(name) is not None:
            raise Conflict(f"network with name {name} already exists")
        driver = body.get("Driver") or "bridge"
        if driver != "bridge":
            if driver in ("host", "null"):
                raise Forbidden(f"only one instance of \"{driver}\" network is allowed")
            raise NotFound(f"plugin \"{driver}\" not found")
        ipam_body = body.get("IPAM") or {}
        if (ipam_body.get("Driver") or "default") != "default":
            raise NotFound(f"plugin \"{ipam_body['Driver']}\" not found")
        configs = [c for c in ipam_body.get("Config") or [] if c]
        v4 = [c for c in configs if _version(c) == 4]
        v6 = [c for c in configs if _version(c) == 6]
        if len(v4) > 1 or len(v6) > 1:
            raise Forbidden("bridge driver doesn't support multiple subnets")
        pool = self._pool(v4[0] if v4 else {}, host_networks)
        pool6 = self._pool6(v6[0]) if v6 else None
        if body.get("EnableIPv6") and pool6 is None:
            raise NotFound("could not find an available, non-overlapping IPv6 address pool among the defaults"
                           " to assign to the network")
        net_id = new_id()
        options = dict(body.get("Options") or {})
        parsed = bridge_options.parse(options)
        if parsed.default_bridge:
            raise InvalidArgument(f"{bridge_options.DEFAULT_BRIDGE} is reserved for the default bridge network")
        bridge = parsed.name or f"dy-{net_id[:12]}"
        if len(bridge) > 15:
            raise InvalidArgument(f"bridge name {bridge} is longer than 15 characters")
        if any(n.bridge == bridge for n in self.networks.values()):
            raise Conflict(f"bridge {bridge} is already used by another network")
        return Network(
            id=net_id, name=name, driver="bridge", created=now_rfc3339(), bridge=bridge,
            pool=pool, internal=bool(body.get("Internal")),
            attachable=bool(body.get("Attachable")), options=options,
            labels=dict(body.get("Labels") or {}),
            ipam_options=ipam_body.get("Options"), pool6=pool6, enable_ipv6=bool(body.get("EnableIPv6")),
        )

    def _pool(self, config: dict, host_networks: list[IPv4Network]) -> ipam.Pool:
        ours = self.subnets()
        if config.get("Subnet"):
            pool = ipam.Pool.configure(config["Subnet"], config.get("Gateway"), config.get("IPRange"),
                                       config.get("AuxiliaryAddresses"), user=True)
            if any(pool.subnet.overlaps(s) for s in ours):
                raise Forbidden("Pool overlaps with other one on this address space")
            return pool
        if config.get("Gateway") or config.get("IPRange") or config.get("AuxiliaryAddresses"):
            raise InvalidArgument("gateway, ip-range and aux-addresses need a subnet")
        subnet = ipam.choose_subnet(ipam.default_pools(self.address_pools), [*ours, *host_networks])
        return ipam.Pool.configure(str(subnet))

    def _pool6(self, config: dict) -> ipam.Pool:
        pool = ipam.Pool.configure(config["Subnet"], config.get("Gateway"), config.get("IPRange"),
                                   config.get("AuxiliaryAddresses"), version=6, user=True)
        if any(n.pool6 is not None and pool.subnet.overlaps(n.pool6.subnet) for n in self.networks.values()):
            raise Forbidden("Pool overlaps with other one on this address space")
        return pool


def _version(config: dict) -> int:
    """The IP version of an IPAM config entry, from its subnet (or, lacking one, its gateway)."""
    text = config.get("Subnet") or config.get("Gateway") or config.get("IPRange") or ""
    return 6 if ":" in text else 4
