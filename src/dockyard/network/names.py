"""Names a container sees: /etc/hosts and /etc/resolv.conf content, and the embedded DNS's
answers (which names resolve for which client, and where other names are forwarded)."""

from __future__ import annotations

from pathlib import Path

from dockyard.network import hostfiles
from dockyard.network.model import parse_network_mode
from dockyard.network.registry import NetworkRegistry
from dockyard.network.sandbox import Sandbox


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


class Names:
    def __init__(self, registry: NetworkRegistry, sandboxes: dict[str, Sandbox],
                 host_resolv: Path, host_hosts: Path):
        self.registry = registry
        self.sandboxes = sandboxes  # shared with the service, mutated in place
        self.host_resolv = host_resolv
        self.host_hosts = host_hosts

    def resolv_conf(self, container_id: str, network_mode: str | None, dns=None,
                    dns_search=None, dns_options=None) -> str:
        kind, _ = parse_network_mode(network_mode)
        host_text = _read(self.host_resolv)
        if kind == "host" and not (dns or dns_search or dns_options):
            return host_text
        sb = self.sandboxes.get(container_id)
        embedded = self.embedded_dns(sb) if sb else None
        if sb is not None and embedded:
            sb.dns = list(dns or [])  # where the embedded DNS forwards this container's names
        return hostfiles.resolv_conf(host_text, dns, dns_search, dns_options, embedded)

    def embedded_dns(self, sb: Sandbox) -> str | None:
        """The embedded DNS a container asks: on its first DNS-enabled network's gateway."""
        for net_id, ep in sb.endpoints.items():
            net = self.registry.networks.get(net_id)
            if net is not None and net.dns_enabled and ep.address:
                return str(net.ipam.gateway)
        return None

    def hosts_file(self, container_id: str, hostname: str, domainname: str = "",
                   extra_hosts=(), network_mode: str | None = None) -> str:
        kind, _ = parse_network_mode(network_mode)
        gateway = self.host_gateway()
        if kind == "host":
            pairs = (hostfiles.parse_extra_host(e, gateway) for e in extra_hosts or [])
            return _read(self.host_hosts) + "".join(f"{ip}\t{name}\n" for name, ip in pairs)
        sb = self.sandboxes.get(container_id)
        addresses = [ep.address for ep in sb.endpoints.values() if ep.address] if sb else []
        return hostfiles.hosts_file(hostname, domainname, addresses, extra_hosts, gateway)

    def write(self, container_id: str, f: dict) -> None:
        """Write both files from the inputs `NetworkService.write_files` recorded."""
        write_texts(f, *self.texts(container_id, f))

    def texts(self, container_id: str, f: dict) -> tuple[str, str]:
        """The hosts and resolv.conf files `write` writes."""
        return (self.hosts_file(container_id, f["hostname"], f["domainname"], f["extra_hosts"], f["mode"]),
                self.resolv_conf(container_id, f["mode"], f["dns"], f["dns_search"], f["dns_options"]))

    def host_gateway(self) -> str | None:
        """`host-gateway` in --add-host: the default bridge's address on the host."""
        net = self.registry.by_name("bridge")
        return str(net.pool.gateway) if net and net.pool else None

    # ---- embedded DNS ------------------------------------------------------------------------

    def client(self, network_id: str, client_ip: str) -> Sandbox | None:
        for sb in self.sandboxes.values():
            ep = sb.endpoints.get(network_id)
            if ep is not None and ep.address == client_ip:
                return sb
        return None

    def resolve(self, network_id: str, client_ip: str, name: str) -> list[str] | None:
        """Addresses of `name` among the client's DNS-enabled networks; None: not ours."""
        client = self.client(network_id, client_ip)
        if client is None:
            return []  # not on this network: resolve nothing, forward nothing
        name = name.rstrip(".").lower()
        found: list[str] = []
        for net_id in client.endpoints:
            net = self.registry.networks.get(net_id)
            if net is None or not net.dns_enabled:
                continue
            wanted = {name}
            suffix = "." + net.name.lower()
            if name.endswith(suffix):
                wanted.add(name[: -len(suffix)])
            wanted |= client.endpoints[net_id].link_targets(wanted)  # links on user networks are aliases
            for sb in self.sandboxes.values():
                ep = sb.endpoints.get(net_id)
                if ep and ep.address and wanted & {n.lower() for n in ep.dns_names()}:
                    found.append(ep.address)
        return found or None

    def upstreams(self, network_id: str, client_ip: str) -> list[tuple[str, int]]:
        net = self.registry.networks.get(network_id)
        if net is None or net.internal:
            return []
        client = self.client(network_id, client_ip)
        custom = client.dns if client else []
        servers = hostfiles.forward_servers(_read(self.host_resolv), custom)
        return [(s, 53) for s in servers]


def write_texts(f: dict, hosts: str, resolv: str) -> None:
    # rewritten in place: the files are bind-mounted into the container by inode
    Path(f["hosts"]).write_text(hosts)
    Path(f["resolv"]).write_text(resolv)
