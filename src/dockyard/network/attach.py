"""The container runner's view of networking: `setup(container, files_dir)` at start and
`teardown(container)` after exit, built on NetworkService.

setup: network mode -> netns (own, the host's, or another container's) -> endpoints (the
mode's network first, then any other EndpointsConfig entries) -> published ports -> hosts
and resolv.conf written into files_dir. Returns NetworkSettings (+ `host_mode`).
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Callable, Protocol

from dockyard.errors import Conflict
from dockyard.network.model import parse_network_mode
from dockyard.network.service import NetworkService


class _RunState(Protocol):
    @property
    def running(self) -> bool: ...


class OtherContainer(Protocol):
    """A container whose network namespace another one joins (`container:<id>`)."""

    id: str
    config: dict
    network_settings: dict
    hosts_path: str
    resolv_conf_path: str

    @property
    def state(self) -> _RunState: ...


class ContainerNetworking:
    def __init__(self, service: NetworkService, find_container: Callable[[str], OtherContainer] | None = None):
        self.svc = service
        self.find_container = find_container  # ref -> Container (for container:<id> mode)

    async def setup(self, container, files_dir: Path) -> dict:
        """Both phases in a row (for callers with nothing to do in between)."""
        prepared = await self.prepare(container, files_dir)
        if prepared is not None:
            return prepared
        return await self.configure(container, files_dir)

    def adopt_hostname(self, container) -> None:
        """dockerd at start: on the host's network a container that names no host takes the
        host's name; on another container's network, that container's name and domain."""
        config = container.config
        kind, arg = parse_network_mode((container.host_config or {}).get("NetworkMode") or "default")
        if kind == "host" and not config.get("Hostname"):
            config["Hostname"] = socket.gethostname()
        elif kind == "container" and arg:
            other = self.find_container(arg) if self.find_container else None
            if other is not None:
                config["Hostname"] = other.config.get("Hostname") or other.id[:12]
                config["Domainname"] = other.config.get("Domainname") or ""

    async def prepare(self, container, files_dir: Path) -> dict | None:
        """Phase one, before the runtime creates the container: the namespace it joins.

        Returns the final settings for modes with nothing more to do (host, container:<id>);
        otherwise None, and `sandbox_path(container)` is the new netns to hand the runtime."""
        mode = (container.host_config or {}).get("NetworkMode") or "default"
        kind, arg = parse_network_mode(mode)
        if kind == "container" and arg:
            return self._join_other(container, arg, Path(files_dir))
        hostname = (container.config or {}).get("Hostname") or container.id[:12]
        if kind == "host":
            settings = await self.svc.connect(container.id, None, "host", {}, container.name.lstrip("/"), hostname)
            await self._write_files(container, Path(files_dir), mode, hostname)
            return {"Networks": {"host": settings}, "Ports": {}, "SandboxKey": "", "host_mode": True}
        await self.svc.create_netns(container.id, loopback_up=kind == "none")
        return None

    def sandbox_path(self, container) -> str:
        return str(self.svc.netns_path(container.id))

    async def configure(self, container, files_dir: Path) -> dict:
        """Phase two, which may run while the runtime creates the container in the netns:
        endpoints, published ports, /etc/hosts and /etc/resolv.conf (rewritten in place, so
        the runtime's bind mounts see them)."""
        hc, cfg = container.host_config or {}, container.config or {}
        mode = hc.get("NetworkMode") or "default"
        kind, arg = parse_network_mode(mode)
        name = container.name.lstrip("/")
        hostname = cfg.get("Hostname") or container.id[:12]
        try:
            await self._connect_all(container, self.sandbox_path(container), kind, arg, mode, name, hostname)
            await self.svc.publish(container.id, hc.get("PortBindings"), cfg.get("ExposedPorts"),
                                   bool(hc.get("PublishAllPorts")))
            await self._write_files(container, Path(files_dir), mode, hostname)
        except BaseException:
            await self.svc.release(container.id)
            raise
        return self.svc.settings(container.id)

    async def _connect_all(self, container, path, kind, arg, mode, name, hostname) -> None:
        if kind == "none":
            await self.svc.connect(container.id, path, "none", {}, name, hostname)
            return
        endpoints = dict((container.networking_config or {}).get("EndpointsConfig") or {})
        first = endpoints.pop(mode, None) or endpoints.pop(arg, None) or {}
        first = dict(first)
        legacy_mac = (container.config or {}).get("MacAddress")
        if legacy_mac and not first.get("MacAddress"):
            first["MacAddress"] = legacy_mac
        await self.svc.connect(container.id, path, arg, first, name, hostname)
        for network, config in endpoints.items():
            await self.svc.connect(container.id, path, network, config or {}, name, hostname)

    async def _write_files(self, container, files_dir: Path, mode: str, hostname: str) -> None:
        hc, cfg = container.host_config or {}, container.config or {}
        await self.svc.write_files(container.id, str(files_dir / "hosts"), str(files_dir / "resolv.conf"),
                             mode, hostname, cfg.get("Domainname") or "", hc.get("ExtraHosts") or [],
                             hc.get("Dns"), hc.get("DnsSearch"), hc.get("DnsOptions"))

    def _join_other(self, container, ref: str, files_dir: Path) -> dict:
        """container:<id> shares the other container's netns and its name files."""
        other = self.find_container(ref) if self.find_container else None
        path = other.network_settings.get("SandboxKey") if other is not None else None
        if other is None or not other.state.running or not path:
            raise Conflict(f"cannot join network of a non running container: {ref}")
        for name, source in (("hosts", other.hosts_path), ("resolv.conf", other.resolv_conf_path)):
            if source and Path(source).exists():
                (files_dir / name).write_text(Path(source).read_text())
        return {"Networks": {}, "Ports": {}, "SandboxKey": path}

    async def teardown(self, container) -> None:
        mode = (container.host_config or {}).get("NetworkMode") or "default"
        if parse_network_mode(mode)[0] == "container":
            return  # the other container owns the netns
        await self.svc.release(container.id)
