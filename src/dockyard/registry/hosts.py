"""The daemon's way to registries: one HTTP connection pool, the insecure-registry rules, the
mirrors, and connected clients per repository."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
import logging
import ssl
from typing import TypeVar
from urllib.parse import urlsplit

import urllib3
from urllib3.util.ssl_ import create_urllib3_context

from dockyard.errors import DockyardError
from dockyard.oci.reference import Reference
from dockyard.registry.client import RegistryClient
from dockyard.registry.credentials import Credentials
from dockyard.registry.credentials import ANONYMOUS
from dockyard.registry.endpoint import Endpoint, InsecureRegistries, endpoint_for
from dockyard.registry.mirrors import display, parse_mirrors

log = logging.getLogger(__name__)
T = TypeVar("T")
POOL_SIZE = 8          # parallel layer transfers per registry host
TIMEOUT = urllib3.Timeout(connect=15, read=300)


class Registries:
    def __init__(self, insecure: Sequence[str] = (), mirrors: Sequence[str] = ()):
        self.insecure = InsecureRegistries(list(insecure))
        self.mirrors = parse_mirrors(list(mirrors))
        self.http = _pool(verify=True)
        self.unverified_http = _pool(verify=False)   # insecure registries' HTTPS

    def config(self) -> dict:
        """`RegistryConfig` of `GET /info`, which `docker info` lists as Insecure Registries."""
        index = {name: {"Name": name, "Mirrors": [], "Secure": False, "Official": False}
                 for name in sorted(self.insecure.names)}
        index["docker.io"] = {"Name": "docker.io", "Mirrors": display(self.mirrors), "Secure": True,
                              "Official": True}
        return {"IndexConfigs": index, "Mirrors": display(self.mirrors),
                "InsecureRegistryCIDRs": [str(n) for n in self.insecure.networks]}

    def endpoint(self, domain: str) -> Endpoint:
        return endpoint_for(domain, self.insecure)

    def client(self, ref: Reference, credentials: Credentials,
               actions: tuple[str, ...] = ("pull",)) -> RegistryClient:
        """A client for `ref`'s repository, pinged and authorised for `actions`."""
        endpoint = self.endpoint(ref.domain)
        return RegistryClient(self._pool_for(endpoint), endpoint, ref.path, credentials, actions).connect()

    def pull_sources(self, ref: Reference, credentials: Credentials) -> list[Callable[[], RegistryClient]]:
        """Connected clients to try in turn for a pull: the mirrors of `ref`'s registry, then the
        registry. A mirror gets the credentials only when they name its host."""
        sources: list[Callable[[], RegistryClient]] = []
        for url in self.mirrors.get(ref.domain, []):
            host = urlsplit(url).netloc
            insecure = url.startswith("http://") or self.insecure.allows(host)
            mirror_credentials = credentials if credentials.server.split("://")[-1].rstrip("/") == host else ANONYMOUS
            endpoint = Endpoint(host, url, insecure)
            sources.append(partial(self._connect, endpoint, ref.path, mirror_credentials))
        return sources + [partial(self.client, ref, credentials)]

    def _connect(self, endpoint: Endpoint, repository: str, credentials: Credentials) -> RegistryClient:
        return RegistryClient(self._pool_for(endpoint), endpoint, repository, credentials, ("pull",)).connect()

    def login(self, server: str, credentials: Credentials) -> None:
        endpoint = self.endpoint(_domain_of(server))
        RegistryClient(self._pool_for(endpoint), endpoint, "", credentials, ()).login()

    def _pool_for(self, endpoint: Endpoint) -> urllib3.PoolManager:
        return self.unverified_http if endpoint.insecure else self.http


def first_answer(sources: list[Callable[[], RegistryClient]], ask: Callable[[RegistryClient], T]) -> T:
    """`ask` each source's client in turn (mirrors, then the registry): the first answer, or
    the registry's own error when none answers."""
    for source in sources[:-1]:
        try:
            return ask(source())
        except DockyardError as err:
            log.info("registry mirror: %s", err)
    return ask(sources[-1]())


def _pool(verify: bool) -> urllib3.PoolManager:
    # A GET or HEAD whose pooled connection broke (the server closed it, or a cancelled pull left
    # it mid-response) is sent once more; uploads are never replayed.
    retries = urllib3.Retry(total=3, connect=3, read=1, status=0, redirect=5, raise_on_redirect=False,
                            allowed_methods=frozenset({"GET", "HEAD"}))
    # One TLS context per pool: without one, urllib3 makes a context for every new connection and
    # loads the system's CA certificates into it (py-spy: 12-50 ms of each pull from an insecure
    # registry, whose first request tries HTTPS)
    context = create_urllib3_context(cert_reqs=ssl.CERT_REQUIRED if verify else ssl.CERT_NONE)
    if verify:
        context.load_default_certs()
    return urllib3.PoolManager(num_pools=16, maxsize=POOL_SIZE, block=False, timeout=TIMEOUT,
                               retries=retries, ssl_context=context)


def _domain_of(server: str) -> str:
    """`https://index.docker.io/v1/`, `127.0.0.1:5000` → the reference domain."""
    host = server.split("://", 1)[-1].split("/", 1)[0]
    if host in ("", "index.docker.io", "registry-1.docker.io", "docker.io"):
        return "docker.io"
    return host
