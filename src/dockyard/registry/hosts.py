"""The daemon's way to registries: one HTTP connection pool, the insecure-registry rules and
connected clients per repository."""

from __future__ import annotations

from collections.abc import Sequence
import urllib3

from dockyard.oci.reference import Reference
from dockyard.registry.client import RegistryClient
from dockyard.registry.credentials import Credentials
from dockyard.registry.endpoint import Endpoint, InsecureRegistries, endpoint_for

POOL_SIZE = 8          # parallel layer transfers per registry host
TIMEOUT = urllib3.Timeout(connect=15, read=300)


class Registries:
    def __init__(self, insecure: Sequence[str] = ()):
        self.insecure = InsecureRegistries(list(insecure))
        self.http = _pool()
        self.unverified_http = _pool(cert_reqs="CERT_NONE")   # insecure registries' HTTPS

    def config(self) -> dict:
        """`RegistryConfig` of `GET /info`, which `docker info` lists as Insecure Registries."""
        index = {name: {"Name": name, "Mirrors": [], "Secure": False, "Official": False}
                 for name in sorted(self.insecure.names)}
        index["docker.io"] = {"Name": "docker.io", "Mirrors": [], "Secure": True, "Official": True}
        return {"IndexConfigs": index, "Mirrors": [],
                "InsecureRegistryCIDRs": [str(n) for n in self.insecure.networks]}

    def endpoint(self, domain: str) -> Endpoint:
        return endpoint_for(domain, self.insecure)

    def client(self, ref: Reference, credentials: Credentials,
               actions: tuple[str, ...] = ("pull",)) -> RegistryClient:
        """A client for `ref`'s repository, pinged and authorised for `actions`."""
        endpoint = self.endpoint(ref.domain)
        return RegistryClient(self._pool_for(endpoint), endpoint, ref.path, credentials, actions).connect()

    def login(self, server: str, credentials: Credentials) -> None:
        endpoint = self.endpoint(_domain_of(server))
        RegistryClient(self._pool_for(endpoint), endpoint, "", credentials, ()).login()

    def _pool_for(self, endpoint: Endpoint) -> urllib3.PoolManager:
        return self.unverified_http if endpoint.insecure else self.http


def _pool(**tls) -> urllib3.PoolManager:
    retries = urllib3.Retry(total=3, connect=3, read=0, status=0, redirect=5, raise_on_redirect=False)
    return urllib3.PoolManager(num_pools=16, maxsize=POOL_SIZE, block=False, timeout=TIMEOUT,
                               retries=retries, **tls)


def _domain_of(server: str) -> str:
    """`https://index.docker.io/v1/`, `127.0.0.1:5000` → the reference domain."""
    host = server.split("://", 1)[-1].split("/", 1)[0]
    if host in ("", "index.docker.io", "registry-1.docker.io", "docker.io"):
        return "docker.io"
    return host
