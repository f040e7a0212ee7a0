"""NetworkService: what the container lifecycle and the API call for networking.

Lifecycle order (the runner uses `attach.ContainerNetworking`, which does exactly this):
  start:  path = create_netns(id) -> connect(id, path, net, ...) per network ->
          publish(id, ...) -> write_files(id, hosts, resolv.conf, ...) -> runtime joins `path`
  stop:   release(id)   (= unpublish + disconnect every network + remove the netns)
  daemon: start() -> reconcile(running ids) ... close()
Blocking kernel work runs in worker threads; state changes are serialised by one lock.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from pathlib import Path
from typing import Iterable

from dockyard.errors import Forbidden, InternalError
from dockyard.firewall.iptables import Iptables, enable_forwarding
from dockyard.firewall.rules import Chains
from dockyard.metadata.records import RecordStore
from dockyard.netlink import links
from dockyard.netlink.netns import Namespaces
from dockyard.network.bridge import BridgeClaim, BridgeDriver, claim_bridge, plan_attach
from dockyard.network.container_lookup import ContainerLookup
from dockyard.network.defaults import default_bridge
from dockyard.network.dns.server import Answerer, DnsServer
from dockyard.network.endpoints import release_addresses, reserve_in_sandbox
from dockyard.network.fwsync import FirewallSync, firewall_state
from dockyard.network.model import Network
from dockyard.network.names import Names, write_texts
from dockyard.network.portmap import PortMap
from dockyard.network.ports import bindings_from_api, ports_view
from dockyard.network.registry import NetworkRegistry
from dockyard.network.sandbox import Sandbox
from dockyard.network.sweep import sweep_allocations, sweep_kernel
from dockyard.syscalls.protocol import Syscalls

log = logging.getLogger(__name__)


class NetworkService:
    def __init__(self, data_root, exec_root, events, config, containers: ContainerLookup | None = None,
                 syscalls: Syscalls | None = None):
        self.data_root = Path(data_root)
        self.exec_root = Path(exec_root)
        self.events = events
        self.configured_bridge = getattr(config, "bridge", None) or "dockyard0"
        self.bridge_name = self.configured_bridge  # may differ: see bridge.claim_bridge
        self.bip = getattr(config, "bip", None)
        self.use_iptables = getattr(config, "iptables", True)
        self.host_resolv = Path(getattr(config, "resolv_conf", None) or "/etc/resolv.conf")
        self.host_hosts = Path(getattr(config, "hosts_file", None) or "/etc/hosts")
        self.dns_port = getattr(config, "dns_port", None) or 53
        root = self.data_root / "network"
        self.registry = NetworkRegistry(RecordStore(root / "networks"), getattr(config, "default_address_pools", []))
        self.sandbox_store = RecordStore(root / "sandboxes")
        self.sandboxes: dict[str, Sandbox] = {}
        self.ns = Namespaces(syscalls)
        self.driver = BridgeDriver(self.ns)
        self.ports = PortMap()
        self.firewall = Iptables(Chains.for_root(str(self.exec_root))) if self.use_iptables else None
        self.names = Names(self.registry, self.sandboxes, self.host_resolv, self.host_hosts)
        self.dns = DnsServer(Answerer(self.names.resolve, self.names.upstreams))
        self.lock = asyncio.Lock()
        self.fw = FirewallSync(self.firewall, lambda: firewall_state(self.registry.bridges(), self.ports.forwards()))
        self.containers = containers  # None: a daemon without containers (tests of networking alone)
        self.started = False
        self._bridge_lock: BridgeClaim | None = None

    # ---- daemon start / stop -------------------------------------------------------------

    async def start(self) -> None:
        if self.started:
            return
        self.bridge_name, self._bridge_lock = claim_bridge(self.configured_bridge, self.exec_root)
        self.registry.load()
        self.sandboxes.clear()
        self.sandboxes.update(
            (k, Sandbox.from_record(v)) for k, v in self.sandbox_store.items())
        await asyncio.to_thread(self._setup_host)
        for net in self.registry.bridges():
            if net.dns_enabled:
                await self._listen_dns(net)
        self.started = True

    def _setup_host(self) -> None:
        self.registry.builtin("host")
        self.registry.builtin("none")
        default = default_bridge(self.registry, self.driver, self.bridge_name, self.bip,
                                 self._host_networks)
        for net in self.registry.bridges():
            self.driver.ensure_bridge(net)
        if self.firewall:
            self.firewall.install()
            enable_forwarding()
        log.debug("default bridge %s on %s", default.bridge, default.ipam.subnet)

    def _host_networks(self) -> list[ipaddress.IPv4Network]:
        return [ipaddress.IPv4Network(n, strict=False) for n in self.driver.host_networks()]

    async def reconcile(self, running: Iterable[str] = ()) -> None:
        """At daemon start: drop the networking of containers not in `running` (leaked netns,
        veths, IP allocations, rules); restore proxies of the ones still running."""
        await self.start()
        keep = set(running)
        async with self.lock:
            for cid in [c for c in self.sandboxes if c not in keep]:
                await self._release_locked(cid, emit=False)
            await asyncio.to_thread(sweep_kernel, self.ns, self.driver, self.registry, self.sandboxes,
                                    self.exec_root / "netns", keep)
            sweep_allocations(self.registry, self.sandboxes)
            for cid in keep & set(self.sandboxes):
                sb = self.sandboxes[cid]
                try:
                    await self.ports.restore(cid, sb.ports)
                except Exception as exc:  # a port taken meanwhile must not stop the daemon
                    log.warning("cannot restore published ports of %s: %s", cid, exc)
        await self._apply_firewall()

    async def close(self) -> None:
        """Daemon shutdown: stop proxies and DNS. Kernel state stays while containers still
        run (they outlive the daemon); with none left, bridges and rules go too, so
        short-lived daemons (tests) leave nothing behind. The next start recreates them."""
        await self.settle()
        await self.ports.close()
        await self.dns.close()
        if self.started and not self.sandboxes:
            for net in self.registry.bridges():
                await asyncio.to_thread(self.driver.remove_bridge, net.linux_bridge)
            await self.fw.teardown()
        if self._bridge_lock is not None:
            self._bridge_lock.release()
            self._bridge_lock = None
        await asyncio.to_thread(self.ns.close)
        self.started = False

    async def teardown(self) -> None:
        """Remove everything this daemon made in the kernel (tests, uninstall)."""
        for cid in list(self.sandboxes):
            await self.release(cid)
        await self.close()

    # ---- namespaces -------------------------------------------------------------------------

    def netns_path(self, container_id: str) -> Path:
        return self.exec_root / "netns" / container_id

    async def create_netns(self, container_id: str, loopback_up: bool = True) -> str:
        """loopback_up=False when an endpoint will be attached: its setup brings `lo` up in the
        same namespace entry (one netlink socket fewer per start)."""
        path = self.netns_path(container_id)
        await asyncio.to_thread(self.ns.create, path, links.loopback_up if loopback_up else None,
                                links.ipv6_off_by_default)
        return str(path)

    # ---- endpoints -------------------------------------------------------------------------

    async def connect(self, container_id: str, netns_path: str | None, network: str,
                      endpoint_config: dict | None = None, container_name: str = "",
                      hostname: str = "") -> dict:
        """Attach the container's netns to a network; returns NetworkSettings.Networks[name].

        The address is reserved under the lock, the kernel work runs outside it (parallel
        container starts do not queue behind each other's netlink calls)."""
        name = container_name.lstrip("/")
        async with self.lock:
            net = self.registry.lookup(network)
            ep = reserve_in_sandbox(self.sandboxes, container_id, netns_path, net,
                                    endpoint_config or {}, name, hostname)
            sb = self.sandboxes[container_id]
            plan = None
            if net.driver == "bridge":    # the allocation is recorded before the kernel sees it
                plan = plan_attach(ep, net.linux_bridge, str(sb.netns_path), net.bridge_options.mtu)
                try:
                    await self._save_network(net)
                except BaseException:
                    sb.endpoints.pop(net.id, None)
                    release_addresses(net, ep)
                    raise
        if plan is not None:
            try:
                await asyncio.to_thread(self.driver.attach, plan)
            except Exception as exc:
                async with self.lock:
                    sb.endpoints.pop(net.id, None)
                    release_addresses(net, ep)
                    self.registry.save(net)
                raise InternalError(f"failed to attach container {container_id} to network"
                                    f" {net.name}: {exc}") from exc
        async with self.lock:
            self._refresh_files(sb)
            await self._save_sandbox(sb)
        self._emit(net, "connect", container_id)
        return ep.settings(net.dns_enabled)

    async def disconnect(self, container_id: str, network: str, force: bool = False) -> None:
        async with self.lock:
            net = self.registry.lookup(network)
            sb = self.sandboxes.get(container_id)
            if sb is None or net.id not in sb.endpoints:   # dockerd answers 500; with force too
                raise Forbidden(f"container {container_id} is not connected to network {net.name}")
            await self._detach_locked(sb, net)
            self._refresh_files(sb)
        await self._apply_firewall()
        self._emit(net, "disconnect", container_id)

    def _owns_netns(self, sb: Sandbox) -> bool:
        return sb.netns_path == str(self.netns_path(sb.container_id))

    async def _detach_locked(self, sb: Sandbox, net: Network, delete_link: bool = True,
                             sandbox_goes: bool = False) -> None:
        """sandbox_goes: the whole sandbox is being released; its record is deleted after."""
        ep = sb.endpoints.pop(net.id)
        if ep.host_veth and delete_link:
            await asyncio.to_thread(self.driver.detach, ep.host_veth)
        if net.pools:
            release_addresses(net, ep)
            await self._save_network(net)
        if sandbox_goes:
            return
        if ep.default_route:
            await self._move_default_route(sb)
        await self._save_sandbox(sb)

    async def _save_network(self, net: Network) -> None:
        """An endpoint's address allocated or released: under the lock, which keeps `net` as it
        is until the write is done, in a worker thread, so parallel starts and stops do not
        stall every other request. Not fsynced (a start's and an exit's path: 1-3 ms each, more
        on a busy disk): a killed daemon loses nothing (the page cache survives it), and after a
        power loss no container runs and `reconcile` frees what no sandbox owns."""
        await asyncio.to_thread(self.registry.saver(net, durable=False))

    async def _move_default_route(self, sb: Sandbox) -> None:
        for ep in sb.endpoints.values():
            net = self.registry.networks.get(ep.network_id)
            if ep.address and net and not net.internal and sb.netns_path:
                await asyncio.to_thread(self.driver.set_default_route, sb.netns_path, ep.gateway, ep.ifname,
                                        ep.gateway6)
                ep.default_route = True
                return

    # ---- ports -----------------------------------------------------------------------------

    async def publish(self, container_id: str, port_bindings: dict | None,
                      exposed_ports: dict | list | None = None, publish_all: bool = False) -> dict:
        """Publish ports (-p/-P); returns NetworkSettings.Ports."""
        async with self.lock:
            sb = self.sandboxes.setdefault(container_id, Sandbox(container_id, None))
            sb.exposed = sorted(set(exposed_ports or {}) | set(port_bindings or {}))
            target = sb.primary()
            net = self.registry.networks[target.network_id] if target is not None else None
            default_ip = net.bridge_options.host_binding_ip if net is not None else "0.0.0.0"
            bindings = bindings_from_api(port_bindings, exposed_ports, publish_all, default_ip)
            if target is not None and net is not None and target.address and bindings:
                sb.ports += await self.ports.publish(container_id, bindings, target.address, net.linux_bridge)
            await self._save_sandbox(sb)
        await self._apply_firewall()
        return ports_view(sb.exposed, [p.view() for p in sb.ports])

    async def unpublish(self, container_id: str) -> None:
        async with self.lock:
            await self._unpublish_locked(container_id)
        self.fw.apply_soon()

    async def _unpublish_locked(self, container_id: str) -> None:
        await self.ports.release(container_id)
        sb = self.sandboxes.get(container_id)
        if sb and sb.ports:
            sb.ports = []
            await self._save_sandbox(sb)

    async def release(self, container_id: str) -> None:
        """Container stopped: free its ports, endpoints and netns."""
        async with self.lock:
            await self._release_locked(container_id, emit=True)
        self.fw.apply_soon()

    async def _release_locked(self, container_id: str, emit: bool) -> None:
        await self._unpublish_locked(container_id)
        sb = self.sandboxes.get(container_id)
        if sb is not None:
            for net_id in list(sb.endpoints):
                net = self.registry.networks.get(net_id)
                if net is None:
                    sb.endpoints.pop(net_id)
                    continue
                # removing the netns below destroys the veth pair in the kernel's own time;
                # deleting it here first would wait ~20 ms for an RCU grace period
                await self._detach_locked(sb, net, delete_link=not self._owns_netns(sb), sandbox_goes=True)
                if emit:
                    self._emit(net, "disconnect", container_id)
            self.sandboxes.pop(container_id, None)
            self.sandbox_store.delete(container_id, durable=False)  # run state, as its puts
        await asyncio.to_thread(self.ns.remove, self.netns_path(container_id))

    # ---- views for container inspect / ps ----------------------------------------------------

    def settings(self, container_id: str) -> dict:
        """NetworkSettings of a container (Networks, Ports, SandboxKey, legacy top-level IP)."""
        sb = self.sandboxes.get(container_id)
        if sb is None:
            return {"Networks": {}, "Ports": {}, "SandboxKey": ""}
        return sb.settings_view(self.registry.networks)

    # ---- /etc/hosts, /etc/resolv.conf --------------------------------------------------------

    async def write_files(self, container_id: str, hosts_path: str, resolv_path: str, network_mode: str,
                    hostname: str, domainname: str = "", extra_hosts=(), dns=None,
                    dns_search=None, dns_options=None, links=()) -> None:
        """Write the container's /etc/hosts and /etc/resolv.conf and remember how, so a
        later connect/disconnect rewrites them (new addresses, the embedded DNS)."""
        files = {"hosts": hosts_path, "resolv": resolv_path, "mode": network_mode,
                 "hostname": hostname, "domainname": domainname,
                 "extra_hosts": list(extra_hosts or []), "dns": list(dns or []),
                 "dns_search": list(dns_search or []), "dns_options": list(dns_options or []),
                 "links": [list(pair) for pair in links]}
        async with self.lock:
            sb = self.sandboxes.get(container_id)
            if sb is not None:
                sb.files = files
            texts = self.names.texts(container_id, files)
            await asyncio.to_thread(write_texts, files, *texts)
            if sb is not None:
                await self._save_sandbox(sb)

    async def drop_link_hosts(self, container_id: str, alias: str) -> None:
        """A legacy link removed from a running container: its /etc/hosts line (the alias's) goes too."""
        async with self.lock:
            sb = self.sandboxes.get(container_id)
            if sb is not None and sb.files:
                sb.files["links"] = [pair for pair in sb.files.get("links") or [] if pair[1].split()[0] != alias]
                self._refresh_files(sb)
                await self._save_sandbox(sb)

    def bridge_address(self, container_id: str) -> str | None:
        """A container's address on the default bridge, if it has one."""
        sb, net = self.sandboxes.get(container_id), self.registry.by_name("bridge")
        endpoint = sb.endpoints.get(net.id) if sb is not None and net is not None else None
        return endpoint.address if endpoint is not None else None

    def _refresh_files(self, sb: Sandbox) -> None:
        if sb.files:
            try:
                self.names.write(sb.container_id, sb.files)
            except OSError as exc:
                log.warning("cannot update name files of %s: %s", sb.container_id, exc)

    async def _listen_dns(self, net: Network) -> None:
        try:
            await self.dns.listen(net.id, str(net.ipam.gateway), self.dns_port)
        except OSError as exc:
            log.warning("embedded DNS for network %s unavailable: %s", net.name, exc)

    # ---- helpers ---------------------------------------------------------------------------

    async def _save_sandbox(self, sb: Sandbox) -> None:
        # Not fsynced: a killed daemon loses nothing (the page cache survives it), and this runs
        # on every container start; only a power loss could drop it. Written by a worker thread
        # (a new file: an inode allocation), the lock held by every caller keeping them in order.
        await asyncio.to_thread(self.sandbox_store.put, sb.container_id, sb.to_record(), False)

    def _emit(self, net: Network, action: str, container_id: str | None = None) -> None:
        if self.events is None:
            return
        attrs = {"name": net.name, "type": net.driver}
        if container_id:
            attrs["container"] = container_id
        self.events.emit("network", action, net.id, attrs)

    async def _apply_firewall(self) -> None:
        await self.fw.apply()

    async def settle(self) -> None:
        """Wait for background firewall updates (tests, shutdown)."""
        await self.fw.settle()

    def in_use(self, net: Network) -> list[str]:
        return [cid for cid, sb in self.sandboxes.items() if net.id in sb.endpoints]

    def endpoints_of(self, net: Network) -> dict[str, dict]:
        return {cid: sb.endpoints[net.id].container_view()
                for cid, sb in self.sandboxes.items() if net.id in sb.endpoints}
