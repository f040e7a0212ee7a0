"""Content of a container's /etc/hosts and /etc/resolv.conf (pure)."""

from __future__ import annotations

from collections.abc import Sequence
import ipaddress
from dataclasses import dataclass

from dockyard.errors import InvalidArgument

FALLBACK_NAMESERVERS = ["8.8.8.8", "8.8.4.4"]

_HOSTS_HEAD = """127.0.0.1\tlocalhost
::1\tlocalhost ip6-localhost ip6-loopback
fe00::0\tip6-localnet
ff00::0\tip6-mcastprefix
ff02::1\tip6-allnodes
ff02::2\tip6-allrouters
"""


@dataclass(frozen=True)
class ResolvConf:
    nameservers: list[str]
    search: list[str]
    options: list[str]


def parse_resolv_conf(text: str) -> ResolvConf:
    servers, search, options = [], [], []
    for line in text.splitlines():
        words = line.split("#", 1)[0].split(";", 1)[0].split()
        if not words:
            continue
        if words[0] == "nameserver" and len(words) > 1:
            servers.append(words[1])
        elif words[0] in ("search", "domain"):
            search = words[1:]
        elif words[0] == "options":
            options += words[1:]
    return ResolvConf(servers, search, options)


def is_loopback(server: str) -> bool:
    try:
        return ipaddress.ip_address(server.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def external_nameservers(host: ResolvConf) -> list[str]:
    """Host resolvers a container can reach: loopback ones are dropped (Docker's rule)."""
    return [s for s in host.nameservers if not is_loopback(s)]


def resolv_conf(
    host_text: str,
    dns: list[str] | None = None,
    dns_search: list[str] | None = None,
    dns_options: list[str] | None = None,
    embedded: str | None = None,
) -> str:
    """resolv.conf for a container.

    `embedded`: address of the embedded DNS (user-defined networks); the container then
    asks only it, and it forwards other names to `dns` or the host's resolvers. Otherwise
    the container gets `dns`, or the host's non-loopback resolvers, or public fallbacks
    (written into the file only)."""
    host = parse_resolv_conf(host_text)
    if embedded:
        servers = [embedded]
    elif dns:
        servers = list(dns)
    else:
        servers = external_nameservers(host) or list(FALLBACK_NAMESERVERS)
    search = list(dns_search) if dns_search else host.search
    if search == ["."]:
        search = []
    options = list(dns_options) if dns_options else list(host.options)
    if embedded and not any(o.startswith("ndots:") for o in options):
        options.append("ndots:0")
    lines = [f"nameserver {s}" for s in servers]
    if search:
        lines.append("search " + " ".join(search))
    if options:
        lines.append("options " + " ".join(options))
    return "\n".join(lines) + "\n"


def forward_servers(host_text: str, dns: list[str] | None = None) -> list[str]:
    """Where the embedded DNS sends names it does not know (it runs in the host netns, so
    loopback host resolvers work here)."""
    return list(dns) if dns else parse_resolv_conf(host_text).nameservers


def parse_extra_host(entry: str, host_gateway: str | None) -> tuple[str, str]:
    """`name:ip` or `name=ip` (ip may be `host-gateway`) -> (name, ip)."""
    for sep in ("=", ":"):
        name, found, ip = entry.partition(sep)
        if found and name and ip:
            break
    else:
        raise InvalidArgument(f"invalid extra host {entry!r}: expected name:ip")
    ip = ip.strip("[]")
    if ip == "host-gateway":
        if not host_gateway:
            raise InvalidArgument("unable to derive the IP value for host-gateway")
        ip = host_gateway
    try:
        ipaddress.ip_address(ip)
    except ValueError:
        raise InvalidArgument(f"invalid IP address in add-host: {ip!r}") from None
    return name, ip


def hosts_file(
    hostname: str,
    domainname: str = "",
    addresses: Sequence[str] = (),
    extra_hosts: Sequence[str] = (),
    host_gateway: str | None = None,
) -> str:
    """/etc/hosts: localhost entries, --add-host entries, then the container's own names."""
    out = [_HOSTS_HEAD]
    for entry in extra_hosts or []:
        name, ip = parse_extra_host(entry, host_gateway)
        out.append(f"{ip}\t{name}\n")
    if hostname:
        names = f"{hostname}.{domainname} {hostname}" if domainname else hostname
        for addr in addresses:
            out.append(f"{addr}\t{names}\n")
    return "".join(out)
