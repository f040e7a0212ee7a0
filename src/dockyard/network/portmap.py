"""Published ports of running containers: host sockets + userland proxies + DNAT data."""

from __future__ import annotations

from dataclasses import dataclass, field

from dockyard.errors import InvalidArgument
from dockyard.firewall.rules import PortForward
from dockyard.network.ports import Binding
from dockyard.network.proxy import bind_socket, make_proxy


@dataclass
class Published:
    key: str  # "80/tcp"
    proto: str
    host_ip: str
    host_port: int
    container_ip: str
    container_port: int
    bridge: str

    def view(self) -> dict:
        return {"key": self.key, "HostIp": self.host_ip, "HostPort": str(self.host_port)}

    def forward(self) -> PortForward:
        return PortForward(self.proto, self.host_ip, self.host_port, self.container_ip,
                           self.container_port, self.bridge)

    def to_record(self) -> dict:
        return dict(self.__dict__)


@dataclass
class ContainerPorts:
    published: list[Published] = field(default_factory=list)
    proxies: list = field(default_factory=list)


class PortMap:
    """Owns the host ports each container holds; releasing closes every socket."""

    def __init__(self):
        self.by_container: dict[str, ContainerPorts] = {}

    async def publish(self, container_id: str, bindings: list[Binding], container_ip: str,
                      bridge: str) -> list[Published]:
        held = ContainerPorts()
        try:
            for b in bindings:
                if b.proto == "sctp":
                    raise InvalidArgument("sctp port publishing is not supported")
                sock = bind_socket(b.proto, b.host_ip, b.host_ports)
                proxy = make_proxy(b.proto, sock, (container_ip, b.container_port))
                held.proxies.append(proxy)
                await proxy.start()
                held.published.append(Published(
                    b.key, b.proto, b.host_ip, sock.getsockname()[1], container_ip,
                    b.container_port, bridge))
        except BaseException:
            await _close_all(held)
            raise
        self.by_container.setdefault(container_id, ContainerPorts())
        mine = self.by_container[container_id]
        mine.published += held.published
        mine.proxies += held.proxies
        return held.published

    async def restore(self, container_id: str, published: list[Published]) -> None:
        """Re-open proxies for ports recorded before a daemon restart (same host ports)."""
        bindings = [Binding(p.proto, p.container_port, p.host_ip, (p.host_port, p.host_port))
                    for p in published]
        if published:
            await self.publish(container_id, bindings, published[0].container_ip, published[0].bridge)

    async def release(self, container_id: str) -> None:
        held = self.by_container.pop(container_id, None)
        if held:
            await _close_all(held)

    def forwards(self) -> list[PortForward]:
        """DNAT data for ports other hosts can reach (loopback-bound ones only use the proxy)."""
        return [p.forward() for held in self.by_container.values() for p in held.published
                if not p.host_ip.startswith("127.")]

    def published(self, container_id: str) -> list[Published]:
        held = self.by_container.get(container_id)
        return list(held.published) if held else []

    async def close(self) -> None:
        for container_id in list(self.by_container):
            await self.release(container_id)


async def _close_all(held: ContainerPorts) -> None:
    for proxy in held.proxies:
        await proxy.close()
