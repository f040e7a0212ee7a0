"""Where a repository's registry answers: host and scheme, decided as dockerd decides (pure).

`docker.io` is served by `registry-1.docker.io`. Registries in an insecure range — 127.0.0.0/8
always, plus `--insecure-registry` CIDRs and host names — are tried over HTTPS without
certificate checks first and over plain HTTP when TLS fails; every other registry is spoken to
over HTTPS with certificate checks.
"""

from __future__ import annotations

from collections.abc import Sequence
import ipaddress
import re
import socket
from dataclasses import dataclass

from dockyard.errors import InvalidArgument
from dockyard.oci.reference import DEFAULT_DOMAIN

DOCKER_HUB_HOST = "registry-1.docker.io"
DEFAULT_INSECURE = ("127.0.0.0/8",)
# distribution's domain: dot-separated components of letters, digits and inner hyphens, a port
_DOMAIN = re.compile(r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
                     r"(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?")


@dataclass(frozen=True)
class Endpoint:
    host: str            # host[:port] as the reference names it (the key for credentials)
    url: str             # scheme://host[:port], no trailing slash
    insecure: bool = False   # no certificate checks; plain HTTP allowed

    @property
    def secure(self) -> bool:
        return self.url.startswith("https://") and not self.insecure

    @property
    def fallback(self) -> "Endpoint | None":
        """Plain HTTP, for an insecure registry whose HTTPS failed."""
        if self.insecure and self.url.startswith("https://"):
            return Endpoint(self.host, f"http://{self.host}", True)
        return None


def parse_insecure_registry(entry: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | str:
    """An `--insecure-registry` entry checked as dockerd checks it (a bad one stops the daemon):
    a CIDR, or host[:port]; an http:// or https:// prefix is dropped (dockerd warns)."""
    if entry.startswith("-") or entry.endswith("-"):
        raise InvalidArgument(f"invalid index name ({entry}). Cannot begin or end with a hyphen.")
    value = entry
    for scheme in ("http://", "https://"):
        if value.lower().startswith(scheme):
            value = value[len(scheme):]
            break
    else:
        if "://" in value:
            raise InvalidArgument(f"insecure registry {entry} should not contain '://'")
    if "/" in value:
        try:
            return ipaddress.ip_network(value, strict=False)
        except ValueError:
            pass
    host, port = _split_host_port(value)
    if not _DOMAIN.fullmatch(value) and not _is_ip(host):
        raise InvalidArgument(f'insecure registry {entry} is not valid: invalid host "{host}"')
    if port and (not port.isdigit() or int(port) > 65535):
        raise InvalidArgument(f'insecure registry {entry} is not valid: invalid port "{port}"')
    return value


def _split_host_port(value: str) -> tuple[str, str]:
    """Go's net.SplitHostPort, or (value, "") where it fails."""
    if value.startswith("["):
        end = value.find("]")
        if end > 0 and value[end + 1:end + 2] == ":" and ":" not in value[end + 2:]:
            return value[1:end], value[end + 2:]
        return value, ""
    host, sep, port = value.rpartition(":")
    if not sep or ":" in host:
        return value, ""
    return host, port


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


class InsecureRegistries:
    """The daemon's `--insecure-registry` list: CIDRs and host[:port] names."""

    def __init__(self, entries: Sequence[str] = ()):
        self.networks = [ipaddress.ip_network(c) for c in DEFAULT_INSECURE]
        self.names: set[str] = set()
        for entry in entries:
            parsed = parse_insecure_registry(entry)
            if isinstance(parsed, str):
                self.names.add(parsed)
            else:
                self.networks.append(parsed)

    def allows(self, host: str, resolve=socket.gethostbyname) -> bool:
        if host in self.names:
            return True
        hostname = _hostname(host)
        if hostname in self.names:
            return True
        try:
            address = ipaddress.ip_address(hostname)
        except ValueError:
            try:
                address = ipaddress.ip_address(resolve(hostname))
            except (OSError, ValueError):
                return False
        return any(address in network for network in self.networks)


def endpoint_for(domain: str, insecure: InsecureRegistries, resolve=socket.gethostbyname) -> Endpoint:
    if domain == DEFAULT_DOMAIN:
        return Endpoint(domain, f"https://{DOCKER_HUB_HOST}")
    return Endpoint(domain, f"https://{domain}", insecure.allows(domain, resolve))


def _hostname(host: str) -> str:
    """`[::1]:5000` → `::1`, `localhost:5000` → `localhost`."""
    if host.startswith("["):
        return host[1:host.index("]")]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host
