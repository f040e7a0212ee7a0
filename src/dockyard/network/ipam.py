"""IP address management: subnet choice and per-network address allocation (pure).

IPv4 subnets come from Docker's default pools: 172.17.0.0/16 first, then 172.18-31/16, then
192.168.0.0/16 split into /20s; any pool overlapping a route or address the host already has
(or a network we manage) is skipped. IPv6 subnets are only ever the user's (dockerd 20.10 has
no default IPv6 pool). Addresses are handed out round-robin from a cursor so a just-released
address is not reused at once; auxiliary addresses (`--aux-address`) are never handed out.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network
from typing import Any, Iterable, Sequence

from dockyard.errors import Conflict, Forbidden, InvalidArgument

DEFAULT_BRIDGE_POOL = IPv4Network("172.17.0.0/16")
IPNetwork = IPv4Network | IPv6Network
IPAddress = IPv4Address | IPv6Address


def default_pools(configured: Sequence[tuple[str, int]] = ()) -> list[IPv4Network]:
    """Candidate subnets in Docker's order (after the default bridge's own), or those of
    `--default-address-pool base=CIDR,size=N` (which replace them, as in dockerd)."""
    if configured:
        return [subnet for base, size in configured for subnet in IPv4Network(base).subnets(new_prefix=size)]
    pools = [IPv4Network(f"172.{n}.0.0/16") for n in range(18, 32)]
    pools += list(IPv4Network("192.168.0.0/16").subnets(new_prefix=20))
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


def parse_network(text: str, what: str = "subnet", version: int | None = 4) -> IPNetwork:
    try:
        net = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise InvalidArgument(f"invalid {what} {text}") from None
    if version is not None and net.version != version:
        raise InvalidArgument(f"invalid {what} {text}: not an IPv{version} network")
    return net


def parse_address(text: str, what: str = "address", version: int | None = 4) -> IPAddress:
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        raise InvalidArgument(f"invalid {what} {text}") from None
    if version is not None and addr.version != version:
        raise InvalidArgument(f"invalid {what} {text}: not an IPv{version} address")
    return addr


@dataclass
class Pool:
    """One address space of a network (IPv4 or IPv6) and what is handed out of it."""

    subnet: IPNetwork
    gateway: IPAddress
    ip_range: IPNetwork | None = None
    allocated: dict[str, str] = field(default_factory=dict)  # address -> owner
    cursor: str | None = None  # last address handed out
    aux: dict[str, str] = field(default_factory=dict)  # name -> address, reserved (--aux-address)
    user_subnet: bool = False      # the subnet was the user's: inspect shows the gateway only
    user_gateway: bool = False     # if the user gave it too, as dockerd

    @classmethod
    def configure(
        cls, subnet: str, gateway: str | None = None, ip_range: str | None = None,
        aux: dict[str, str] | None = None, version: int | None = 4, user: bool = False,
    ) -> "Pool":
        net = parse_network(subnet, version=version)
        if net.prefixlen > net.max_prefixlen - 2:
            raise InvalidArgument(f"subnet {net} is too small")
        gw = parse_address(gateway, "gateway", net.version) if gateway else net.network_address + 1
        if gw not in net:
            raise InvalidArgument(f"no matching subnet for gateway {gw}")
        rng = parse_network(ip_range, "ip-range", net.version) if ip_range else None
        if rng is not None and not (rng.network_address in net and rng.broadcast_address in net):
            raise InvalidArgument(f"ip-range {rng} is not a subset of subnet {net}")
        pool = cls(subnet=net, gateway=gw, ip_range=rng, user_subnet=user, user_gateway=bool(gateway))
        for name, text in (aux or {}).items():
            addr = parse_address(str(text), "aux-address", net.version)
            if addr not in net:
                raise InvalidArgument(f"no matching subnet for aux-address {addr}")
            if addr == gw or str(addr) in pool.aux.values():
                raise Forbidden(f"failed to allocate secondary ip address ({name}:{addr}): Address already in use")
            pool.aux[str(name)] = str(addr)
        return pool

    @property
    def version(self) -> int:
        return self.subnet.version

    def _usable(self, addr: IPAddress) -> bool:
        net = self.subnet
        return (
            addr in net
            and addr != net.network_address
            and (net.version == 6 or addr != net.broadcast_address)
            and addr != self.gateway
        )

    def allocate(self, owner: str, requested: str | None = None) -> IPAddress:
        """Hand out `requested` or the next free address after the cursor."""
        if requested:
            addr = parse_address(requested, f"IPv{self.version} address", self.version)
            if not self._usable(addr):
                raise InvalidArgument(
                    f"invalid address {addr}: it does not belong to any of this network's subnets"
                )
            if str(addr) in self.allocated or str(addr) in self.aux.values():
                raise Conflict(f"address already in use: {addr}")
            self.allocated[str(addr)] = owner
            return addr
        addr = self._next_free()
        self.allocated[str(addr)] = owner
        self.cursor = str(addr)
        return addr

    def _next_free(self) -> IPAddress:
        space = self.ip_range or self.subnet
        first, last = int(space.network_address), int(space.broadcast_address)
        size = last - first + 1
        start = int(ipaddress.ip_address(self.cursor)) + 1 if self.cursor else first
        reserved = set(self.allocated) | set(self.aux.values())
        for step in range(min(size, len(reserved) + 4)):   # past every taken one, the next is free
            addr = ipaddress.ip_address(first + (start - first + step) % size)
            if self._usable(addr) and str(addr) not in reserved:
                return addr
        raise Conflict(f"no available IPv{self.version} addresses on this network's address pools: {space}")

    def release(self, addr: str) -> None:
        self.allocated.pop(addr, None)

    def release_owner(self, owner: str) -> None:
        for addr in [a for a, o in self.allocated.items() if o == owner]:
            del self.allocated[addr]

    def config_view(self) -> dict:
        """An entry of a network's inspect `IPAM.Config`."""
        item: dict[str, Any] = {"Subnet": str(self.subnet)}
        if self.ip_range is not None:
            item["IPRange"] = str(self.ip_range)
        if not self.user_subnet or self.user_gateway:
            item["Gateway"] = str(self.gateway)
        if self.aux:
            item["AuxiliaryAddresses"] = dict(self.aux)
        return item

    def to_record(self) -> dict:
        return {
            "Subnet": str(self.subnet),
            "Gateway": str(self.gateway),
            "IPRange": str(self.ip_range) if self.ip_range else None,
            "Allocated": dict(self.allocated),
            "Cursor": self.cursor,
            "Aux": dict(self.aux),
            "UserSubnet": self.user_subnet,
            "UserGateway": self.user_gateway,
        }

    @classmethod
    def from_record(cls, rec: dict) -> "Pool":
        return cls(
            subnet=ipaddress.ip_network(rec["Subnet"]),
            gateway=ipaddress.ip_address(rec["Gateway"]),
            ip_range=ipaddress.ip_network(rec["IPRange"]) if rec.get("IPRange") else None,
            allocated=dict(rec.get("Allocated") or {}),
            cursor=rec.get("Cursor"),
            aux=dict(rec.get("Aux") or {}),
            user_subnet=bool(rec.get("UserSubnet")),
            user_gateway=bool(rec.get("UserGateway")),
        )


def mac_for(addr: IPv4Address | IPv6Address) -> str:
    """Docker derives the MAC from the IPv4 address (an IPv4 pool's): 02:42 followed by its four octets."""
    return "02:42:" + ":".join(f"{b:02x}" for b in addr.packed[-4:])
