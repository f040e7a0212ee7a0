"""Where a repository's registry answers: host and scheme, decided as dockerd decides (pure).

`docker.io` is served by `registry-1.docker.io`. Registries in an insecure range — 127.0.0.0/8
always, plus `--insecure-registry` CIDRs and host names — are tried over HTTPS without
certificate checks first and over plain HTTP when TLS fails; every other registry is spoken to
over HTTPS with certificate checks.
"""

from __future__ import annotations

from collections.abc import Sequence
import ipaddress
import socket
from dataclasses import dataclass

from dockyard.oci.reference import DEFAULT_DOMAIN

DOCKER_HUB_HOST = "registry-1.docker.io"
DEFAULT_INSECURE = ("127.0.0.0/8",)


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


class InsecureRegistries:
    """The daemon's `--insecure-registry` list: CIDRs and host[:port] names."""

    def __init__(self, entries: Sequence[str] = ()):
        self.networks = [ipaddress.ip_network(c) for c in DEFAULT_INSECURE]
        self.names: set[str] = set()
        for entry in entries:
            entry = entry.split("://", 1)[-1].rstrip("/")
            try:
                self.networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                self.names.add(entry)

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
