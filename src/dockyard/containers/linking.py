"""Legacy links as the linking container keeps them (pure): checked and written as dockerd
shows them at create (`/db:/web/alias`; on a user-defined network they become the endpoint's
links, names only its DNS answers), and removed by `DELETE /containers/{name}/{alias}?link=1`.
What a link gives at start (environment, /etc/hosts) is network.attach's."""

from typing import Callable

from dockyard.errors import InvalidArgument, NotFound
from dockyard.network.legacy_links import Link, parse_link
from dockyard.network.model import parse_network_mode


def links_at_create(host_config: dict, networking: dict, name: str, lookup: Callable) -> None:
    """Resolve HostConfig.Links (`lookup`: a reference → its container) in place."""
    specs = host_config.get("Links") or []
    if not specs:
        return
    links = [_resolved(parse_link(spec), lookup) for spec in specs]
    kind, network = parse_network_mode(host_config.get("NetworkMode"))
    if kind == "network" and network != "bridge":
        endpoints = networking.setdefault("EndpointsConfig", {})
        endpoint = endpoints[network] = dict(endpoints.get(network) or {})
        endpoint["Links"] = list(dict.fromkeys([*(endpoint.get("Links") or []),
                                                *(f"{link.target}:{link.alias}" for link in links)]))
        host_config["Links"] = None
    else:
        host_config["Links"] = [link.normalized(name) for link in links]


def remove_link(container, alias: str, shown: str) -> Link:
    """Drop the link named `alias` from a container's HostConfig; the link removed."""
    links = [parse_link(spec) for spec in container.host_config.get("Links") or []]
    gone = [link for link in links if link.alias == alias]
    if not gone:
        raise NotFound(f"No such container: {shown}/{alias}")
    container.host_config["Links"] = [link.normalized(container.name) for link in links if link.alias != alias] or None
    return gone[0]


def _resolved(link: Link, lookup: Callable) -> Link:
    try:
        target = lookup(link.target)
    except NotFound:   # 400, not 404: the docker CLI would take a 404 for a missing image and pull
        raise InvalidArgument(f"could not get container for {link.target}: No such container: {link.target}") from None
    return Link(target.name, link.alias)
