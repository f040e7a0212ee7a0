"""The daemon's way to registries: one HTTP connection pool, the insecure-registry rules and
connected clients per repository."""

from __future__ import annotations

import urllib3

from dockyard.oci.reference import Reference
from dockyard.registry.client import RegistryClient
from dockyard.registry.credentials import Credentials
from dockyard.registry.endpoint import Endpoint, InsecureRegistries, endpoint_for

POOL_SIZE = 8          # parallel layer transfers per registry host
TIMEOUT = urllib3.Timeout(connect=15, read=300)


class Registries:
    def __init__(self, insecure: list[str] = ()):
        self.insecure = InsecureRegistries(list(insecure))
        self.http = urllib3.PoolManager(num_pools=16, maxsize=POOL_SIZE, block=False, timeout=TIMEOUT,
                                        retries=urllib3.Retry(total=3, connect=3, read=0, status=0,
                                                              redirect=5, raise_on_redirect=False))

    def endpoint(self, domain: str) -> Endpoint:
        return endpoint_for(domain, self.insecure)

    def client(self, ref: Reference, credentials: Credentials,
               actions: tuple[str, ...] = ("pull",)) -> RegistryClient:
        """A client for `ref`'s repository, pinged and authorised for `actions`."""
        return RegistryClient(self.http, self.endpoint(ref.domain), ref.path, credentials, actions).connect()

    def login(self, server: str, credentials: Credentials) -> None:
        RegistryClient(self.http, self.endpoint(_domain_of(server)), "", credentials, ()).login()


def _domain_of(server: str) -> str:
    """`https://index.docker.io/v1/`, `127.0.0.1:5000` → the reference domain."""
    host = server.split("://", 1)[-1].split("/", 1)[0]
    if host in ("", "index.docker.io", "registry-1.docker.io", "docker.io"):
        return "docker.io"
    return host
