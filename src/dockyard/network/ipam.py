"""IP address management: subnet choice and per-network address allocation (pure).

Subnets come from default pools like Docker's: 172.17.0.0/16 first, then 172.18-31/16,
then 192.168.0.0/20 split into /24s; any pool overlapping a route or address the host
already has (or a network we manage) is skipped. Addresses are handed out round-robin
from a cursor so a just-released address is not reused at once.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network
from typing import Iterable, Sequence

from dockyard.errors import Conflict, Forbidden, InvalidArgument

DEFAULT_BRIDGE_POOL = IPv4Network("172.17.0.0/16")


def default_pools(configured: Sequence[tuple[str, int]] = ()) -> list[IPv4Network]:
    """Candidate subnets in Docker's order (after the default bridge's own), or those of
    `--default-address-pool base=CIDR,size=N` (which replace them, as in dockerd)."""
    if configured:
        return [subnet for base, size in configured for subnet in IPv4Network(base).subnets(new_prefix=size)]
    pools = [IPv4Network(f"172.{n}.0.0/16") for n in range(18, 32)]
    pools += list(IPv4Network("192.168.0.0/20").subnets(new_prefix=24))
    return pools


def bridge_pools(configured: Sequence[tuple[str, int]] = ()) -> list[IPv4Network]:
    """Candidates for the default bridge: 172.17.0.0/16 first, unless pools are configured."""
    return default_pools(configured) if configured else [DEFAULT_BRIDGE_POOL, *default_pools()]


def parse_address_pool(spec: str) -> tuple[str, int]:
    """`base=10.10.0.0/16,size=24` (dockerd's --default-address-pool) → ("10.10.0.0/16", 24)."""
    fields = dict(part.partition("=")[::2] for part in spec.split(","))
    try:
        base, size = IPv4Network(fields["base"]), int(fields["size"])
    except (KeyError, ValueError) as err:
        raise InvalidArgument(f"invalid default address pool {spec!r}: {err}") from None
    if set(fields) != {"base", "size"} or not base.prefixlen <= size <= 30:
        raise InvalidArgument(f"invalid default address pool {spec!r}: want base=CIDR,size=N with the "
                              f"base's prefix ≤ N ≤ 30")
    return str(base), size


def choose_subnet(
    candidates: Iterable[IPv4Network], taken: Iterable[IPv4Network]
) -> IPv4Network:
    """First candidate overlapping none of `taken` (host routes, addresses, our networks)."""
    taken = [t for t in taken if t.version == 4]
    for subnet in candidates:
        if not any(subnet.overlaps(t) for t in taken):
            return subnet
    raise Forbidden(
        "could not find an available, non-overlapping IPv4 address pool among the defaults"
        " to assign to the network"
    )


def parse_network(text: str, what: str = "subnet") -> IPv4Network:
    try:
        net = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise InvalidArgument(f"invalid {what} {text}") from None
    if net.version != 4:
        raise InvalidArgument(f"invalid {what} {text}: only IPv4 is supported")
    return net


def parse_address(text: str, what: str = "address") -> IPv4Address:
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        raise InvalidArgument(f"invalid {what} {text}") from None
    if addr.version != 4:
        raise InvalidArgument(f"invalid {what} {text}: only IPv4 is supported")
    return addr


@dataclass
class Pool:
    """One network's address space and what is handed out of it."""

    subnet: IPv4Network
    gateway: IPv4Address
    ip_range: IPv4Network | None = None
    allocated: dict[str, str] = field(default_factory=dict)  # address -> owner
    cursor: str | None = None  # last address handed out

    @classmethod
    def configure(
        cls, subnet: str, gateway: str | None = None, ip_range: str | None = None
    ) -> "Pool":
        net = parse_network(subnet)
        if net.prefixlen > 30:
            raise InvalidArgument(f"subnet {net} is too small")
        gw = parse_address(gateway, "gateway") if gateway else net.network_address + 1
        if gw not in net:
            raise InvalidArgument(f"no matching subnet for gateway {gw}")
        rng = parse_network(ip_range, "ip-range") if ip_range else None
        if rng is not None and not rng.subnet_of(net):
            raise InvalidArgument(f"ip-range {rng} is not a subset of subnet {net}")
        return cls(subnet=net, gateway=gw, ip_range=rng)

    def _usable(self, addr: IPv4Address) -> bool:
        net = self.subnet
        return (
            addr in net
            and addr != net.network_address
            and addr != net.broadcast_address
            and addr != self.gateway
        )

    def allocate(self, owner: str, requested: str | None = None) -> IPv4Address:
        """Hand out `requested` or the next free address after the cursor."""
        if requested:
            addr = parse_address(requested, "IPv4 address")
            if not self._usable(addr):
                raise InvalidArgument(
                    f"invalid address {addr}: it does not belong to any of this network's subnets"
                )
            if str(addr) in self.allocated:
                raise Conflict(f"address already in use: {addr}")
            self.allocated[str(addr)] = owner
            return addr
        addr = self._next_free()
        self.allocated[str(addr)] = owner
        self.cursor = str(addr)
        return addr

    def _next_free(self) -> IPv4Address:
        space = self.ip_range or self.subnet
        first, last = int(space.network_address), int(space.broadcast_address)
        size = last - first + 1
        start = int(IPv4Address(self.cursor)) + 1 if self.cursor else first
        for step in range(size):
            value = first + (start - first + step) % size
            addr = IPv4Address(value)
            if self._usable(addr) and str(addr) not in self.allocated:
                return addr
        raise Conflict(f"no available IPv4 addresses on this network's address pools: {space}")

    def release(self, addr: str) -> None:
        self.allocated.pop(addr, None)

    def release_owner(self, owner: str) -> None:
        for addr in [a for a, o in self.allocated.items() if o == owner]:
            del self.allocated[addr]

    def to_record(self) -> dict:
        return {
            "Subnet": str(self.subnet),
            "Gateway": str(self.gateway),
            "IPRange": str(self.ip_range) if self.ip_range else None,
            "Allocated": dict(self.allocated),
            "Cursor": self.cursor,
        }

    @classmethod
    def from_record(cls, rec: dict) -> "Pool":
        return cls(
            subnet=IPv4Network(rec["Subnet"]),
            gateway=IPv4Address(rec["Gateway"]),
            ip_range=IPv4Network(rec["IPRange"]) if rec.get("IPRange") else None,
            allocated=dict(rec.get("Allocated") or {}),
            cursor=rec.get("Cursor"),
        )


def mac_for(addr: IPv4Address) -> str:
    """Docker derives the MAC from the IPv4 address: 02:42 followed by the four octets."""
    return "02:42:" + ":".join(f"{b:02x}" for b in addr.packed)
