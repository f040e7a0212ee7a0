"""A container's networking state: its netns, endpoints, published ports (persisted)."""

from __future__ import annotations

from dataclasses import dataclass, field

from dockyard.network.model import Endpoint, Network
from dockyard.network.portmap import Published
from dockyard.network.ports import ports_view


@dataclass
class Sandbox:
    container_id: str
    netns_path: str | None
    endpoints: dict[str, Endpoint] = field(default_factory=dict)  # network id -> endpoint
    ports: list[Published] = field(default_factory=list)
    exposed: list[str] = field(default_factory=list)
    dns: list[str] = field(default_factory=list)  # --dns: where the embedded DNS forwards
    files: dict | None = None  # hosts/resolv.conf paths + inputs, rewritten on (dis)connect

    def next_ifname(self) -> str:
        used = {ep.ifname for ep in self.endpoints.values()}
        n = 0
        while f"eth{n}" in used:
            n += 1
        return f"eth{n}"

    def has_default_route(self) -> bool:
        return any(ep.default_route for ep in self.endpoints.values())

    def primary(self) -> Endpoint | None:
        """The endpoint published ports go to: the default-route one, else the first."""
        with_addr = [ep for ep in self.endpoints.values() if ep.address]
        for ep in with_addr:
            if ep.default_route:
                return ep
        return with_addr[0] if with_addr else None

    def settings_view(self, networks: dict[str, Network]) -> dict:
        """NetworkSettings: per-network endpoints, Ports, and the legacy top-level fields
        (which Docker fills from the default bridge)."""
        views = {}
        for net_id, ep in self.endpoints.items():
            net = networks.get(net_id)
            if net:
                views[net.name] = ep.settings(net.dns_enabled)
        bridge = views.get("bridge", {})
        return {
            "Networks": views,
            "Ports": ports_view(self.exposed, [p.view() for p in self.ports]),
            "SandboxKey": self.netns_path or "",
            "Gateway": bridge.get("Gateway", ""),
            "IPAddress": bridge.get("IPAddress", ""),
            "IPPrefixLen": bridge.get("IPPrefixLen", 0),
            "MacAddress": bridge.get("MacAddress", ""),
            "EndpointID": bridge.get("EndpointID", ""),
        }

    def to_record(self) -> dict:
        return {
            "ContainerId": self.container_id,
            "NetnsPath": self.netns_path,
            "Endpoints": {k: ep.to_record() for k, ep in self.endpoints.items()},
            "Ports": [p.to_record() for p in self.ports],
            "Exposed": self.exposed,
            "Dns": self.dns,
            "Files": self.files,
        }

    @classmethod
    def from_record(cls, rec: dict) -> "Sandbox":
        return cls(
            container_id=rec["ContainerId"],
            netns_path=rec.get("NetnsPath"),
            endpoints={k: Endpoint.from_record(v) for k, v in (rec.get("Endpoints") or {}).items()},
            ports=[Published(**p) for p in rec.get("Ports") or []],
            exposed=list(rec.get("Exposed") or []),
            dns=list(rec.get("Dns") or []),
            files=rec.get("Files"),
        )
