"""Containers as `GET /containers/json` and `GET /containers/{id}/json` show them: records with
their live network settings and sizes, `ps` filters, and the names legacy links give them."""

import time

from dockyard.containers.filters import select
from dockyard.containers.inspect import inspect_body, summary_body
from dockyard.containers.model import Container
from dockyard.network.legacy_links import parse_link


class ContainerViews:
    def __init__(self, registry, execs, images, live_network_settings=None):
        self._registry, self._execs, self._images = registry, execs, images
        self._live_network = live_network_settings  # connect/disconnect change a running container's

    def refreshed(self, container: Container) -> Container:
        if self._live_network is not None and container.state.running:
            container.network_settings = self._live_network(container.id)
        return container

    def list(self, all_: bool, limit: int | None, size: bool, filters: dict[str, list[str]]) -> list[dict]:
        containers = [self.refreshed(c) for c in self._registry.all()]
        chosen = select(containers, filters, all_, limit, self._registry.get, self._images.matches)
        now, link_names = time.time_ns(), _link_names(containers)
        return [summary_body(c, now, self._images.container_sizes(c.id) if size else None, link_names.get(c.name))
                for c in chosen]

    def inspect(self, ref: str, size: bool = False) -> dict:
        container = self.refreshed(self._registry.get(ref))
        body = inspect_body(container, self._execs.ids_for(container.id),
                            self._images.graph_driver(container.id, container.image_id))
        if size:
            body["SizeRw"], body["SizeRootFs"] = self._images.container_sizes(container.id)
        return body


def _link_names(containers: list[Container]) -> dict[str, list[str]]:
    """Container name → the `/linker/alias` names legacy links give it (ps lists them, as dockerd)."""
    names: dict[str, list[str]] = {}
    for linker in containers:
        for spec in (linker.host_config or {}).get("Links") or []:
            link = parse_link(spec)
            names.setdefault(link.target, []).append(link.path(linker.name))
    return names
