"""Network and endpoint records and their API views (pure)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timezone

from dockyard.errors import InternalError, InvalidArgument
from dockyard.network.bridge_options import BridgeOptions, parse as parse_bridge_options
from dockyard.network.ipam import Pool

BUILTIN_NAMES = ("bridge", "host", "none")
DRIVERS = {"bridge": "bridge", "host": "host", "none": "null"}


def new_id() -> str:
    return secrets.token_hex(32)


def now_rfc3339() -> str:
    now = datetime.now(timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond:06d}000Z"


@dataclass
class Network:
    id: str
    name: str
    driver: str  # bridge | host | null
    created: str
    bridge: str | None = None  # Linux bridge name (bridge driver only)
    pool: Pool | None = None
    internal: bool = False
    attachable: bool = False
    builtin: bool = False
    options: dict = field(default_factory=dict)
    labels: dict = field(default_factory=dict)
    ipam_options: dict | None = None
    pool6: Pool | None = None       # the IPv6 subnet; its addresses are handed out with --ipv6
    enable_ipv6: bool = False

    @property
    def ipam(self) -> Pool:
        """The address pool of a bridge network (host and none have none)."""
        if self.pool is None:
            raise InternalError(f"network {self.name} has no address pool")
        return self.pool

    @property
    def linux_bridge(self) -> str:
        """The Linux bridge of a bridge network."""
        if self.bridge is None:
            raise InternalError(f"network {self.name} has no bridge")
        return self.bridge

    @property
    def dns_enabled(self) -> bool:
        """Docker resolves container names on user-defined networks only."""
        return self.driver == "bridge" and not self.builtin

    @property
    def bridge_options(self) -> BridgeOptions:
        """Its driver options as the bridge driver honours them (validated at create; a record
        made before they were validated falls back to the defaults rather than stop the firewall)."""
        try:
            return parse_bridge_options(self.options)
        except InvalidArgument:
            return BridgeOptions()

    @property
    def pools(self) -> list[Pool]:
        return [p for p in (self.pool, self.pool6) if p is not None]

    @property
    def ipv6_pool(self) -> Pool | None:
        """Where endpoints get IPv6 addresses: only with EnableIPv6, as dockerd."""
        return self.pool6 if self.enable_ipv6 else None

    def ipam_view(self) -> dict:
        return {"Driver": "default", "Options": self.ipam_options,
                "Config": [pool.config_view() for pool in self.pools]}

    def view(self, containers: dict | None = None) -> dict:
        return {
            "Name": self.name,
            "Id": self.id,
            "Created": self.created,
            "Scope": "local",
            "Driver": self.driver,
            "EnableIPv6": self.enable_ipv6,
            "IPAM": self.ipam_view(),
            "Internal": self.internal,
            "Attachable": self.attachable,
            "Ingress": False,
            "ConfigFrom": {"Network": ""},
            "ConfigOnly": False,
            "Containers": containers or {},
            "Options": dict(self.options),
            "Labels": dict(self.labels),
        }

    def to_record(self) -> dict:
        return {
            "Id": self.id, "Name": self.name, "Driver": self.driver, "Created": self.created,
            "Bridge": self.bridge, "Pool": self.pool.to_record() if self.pool else None,
            "Internal": self.internal, "Attachable": self.attachable, "Builtin": self.builtin,
            "Options": self.options, "Labels": self.labels, "IpamOptions": self.ipam_options,
            "Pool6": self.pool6.to_record() if self.pool6 else None, "EnableIPv6": self.enable_ipv6,
        }

    @classmethod
    def from_record(cls, rec: dict) -> "Network":
        return cls(
            id=rec["Id"], name=rec["Name"], driver=rec["Driver"], created=rec["Created"],
            bridge=rec.get("Bridge"),
            pool=Pool.from_record(rec["Pool"]) if rec.get("Pool") else None,
            internal=rec.get("Internal", False), attachable=rec.get("Attachable", False),
            builtin=rec.get("Builtin", False), options=rec.get("Options") or {},
            labels=rec.get("Labels") or {}, ipam_options=rec.get("IpamOptions"),
            pool6=Pool.from_record(rec["Pool6"]) if rec.get("Pool6") else None,
            enable_ipv6=bool(rec.get("EnableIPv6")),
        )


def default_bridge_options(bridge: str) -> dict:
    return {
        "com.docker.network.bridge.default_bridge": "true",
        "com.docker.network.bridge.enable_icc": "true",
        "com.docker.network.bridge.enable_ip_masquerade": "true",
        "com.docker.network.bridge.host_binding_ipv4": "0.0.0.0",
        "com.docker.network.bridge.name": bridge,
        "com.docker.network.driver.mtu": "1500",
    }


@dataclass
class Endpoint:
    """A container's attachment to one network."""

    id: str
    network_id: str
    container_id: str
    container_name: str
    hostname: str
    ifname: str  # inside the container: eth0, eth1...
    host_veth: str | None
    address: str | None
    prefixlen: int
    gateway: str | None  # the network's gateway (shown even if not the default route)
    mac: str
    aliases: list[str] = field(default_factory=list)
    ipam_config: dict | None = None
    default_route: bool = False
    links: list[str] = field(default_factory=list)  # "container:alias": names only this endpoint resolves
    address6: str | None = None
    prefixlen6: int = 0
    gateway6: str | None = None
    driver_opts: dict | None = None  # EndpointConfig.DriverOpts, kept and shown as given

    def link_targets(self, names: set[str]) -> set[str]:
        """The containers that links of this endpoint name by one of `names` (lower case)."""
        pairs = (link.lstrip("/").partition(":")[::2] for link in self.links)
        return {target.lower() for target, alias in pairs if (alias or target).lower() in names}

    def dns_names(self) -> list[str]:
        names = [self.container_name, *self.aliases, self.container_id[:12], self.hostname]
        return list(dict.fromkeys(n for n in names if n))  # compose already lists the short ID

    def settings(self, dns: bool) -> dict:
        """Shape of NetworkSettings.Networks[<name>] in container inspect."""
        return {
            "IPAMConfig": self.ipam_config or None,
            "Links": list(self.links) or None,
            "Aliases": list(self.aliases) or None,
            "MacAddress": self.mac,
            "DriverOpts": self.driver_opts or None,
            "NetworkID": self.network_id,
            "EndpointID": self.id,
            "Gateway": self.gateway or "",
            "IPAddress": self.address or "",
            "IPPrefixLen": self.prefixlen if self.address else 0,
            "IPv6Gateway": self.gateway6 or "",
            "GlobalIPv6Address": self.address6 or "",
            "GlobalIPv6PrefixLen": self.prefixlen6 if self.address6 else 0,
            "DNSNames": self.dns_names() if dns else None,
        }

    def container_view(self) -> dict:
        """Entry of the network inspect `Containers` map."""
        return {
            "Name": self.container_name,
            "EndpointID": self.id,
            "MacAddress": self.mac,
            "IPv4Address": f"{self.address}/{self.prefixlen}" if self.address else "",
            "IPv6Address": f"{self.address6}/{self.prefixlen6}" if self.address6 else "",
        }

    def to_record(self) -> dict:
        return dict(self.__dict__)

    @classmethod
    def from_record(cls, rec: dict) -> "Endpoint":
        return cls(**rec)


def parse_network_mode(mode: str | None) -> tuple[str, str | None]:
    """HostConfig.NetworkMode -> (kind, argument): kind is none|host|container|network."""
    mode = mode or "default"
    if mode == "none":
        return "none", None
    if mode == "host":
        return "host", None
    if mode.startswith("container:"):
        target = mode.partition(":")[2]
        if not target:
            raise InvalidArgument("invalid network mode: container: needs a container name or id")
        return "container", target
    return "network", "bridge" if mode == "default" else mode


def matches_filters(net: Network, filters: dict[str, list[str]], in_use: bool) -> bool:
    """Docker's `network ls` filters: name, id, label, driver, type, dangling, scope."""
    for key, values in filters.items():
        if not values:
            continue
        if key == "name" and not any(v in net.name for v in values):
            return False
        if key == "id" and not any(net.id.startswith(v) or v in net.id for v in values):
            return False
        if key == "driver" and net.driver not in values:
            return False
        if key == "scope" and "local" not in values:
            return False
        if key == "type":
            kind = "builtin" if net.builtin else "custom"
            if kind not in values:
                return False
        if key == "label" and not all(_label_match(net.labels, v) for v in values):
            return False
        if key == "dangling":
            want = values[0].lower() in ("1", "true")
            dangling = not in_use and not net.builtin
            if dangling != want:
                return False
    return True


def _label_match(labels: dict, spec: str) -> bool:
    key, sep, value = spec.partition("=")
    if key not in labels:
        return False
    return not sep or labels[key] == value


LIST_FILTERS = {"name", "id", "label", "driver", "type", "dangling", "scope"}
PRUNE_FILTERS = {"label", "label!", "until"}


def check_filters(filters: dict[str, list[str]]) -> None:
    for value in filters.get("type", []):
        if value not in ("custom", "builtin"):
            raise InvalidArgument(f"invalid filter: 'type'='{value}'")
