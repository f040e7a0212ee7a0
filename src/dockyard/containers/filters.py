"""`docker ps` filters and listing order (pure)."""

import re
from typing import Callable

from dockyard.containers.model import Container
from dockyard.errors import InvalidArgument

_STATUSES = {"created", "restarting", "running", "removing", "paused", "exited", "dead"}
LIST_FILTERS = {"ancestor", "before", "exited", "expose", "health", "id", "is-task", "label", "name",
                "network", "publish", "since", "status", "volume"}
PRUNE_FILTERS = {"label", "label!", "until"}


def select(containers: list[Container], filters: dict[str, list[str]], all_: bool, limit: int | None,
           resolve: Callable[[str], Container], image_matches: Callable[[Container, str], bool]) -> list[Container]:
    """Containers newest first, as `GET /containers/json` lists them."""
    ordered = sorted(containers, key=lambda c: c.created, reverse=True)
    if not all_ and not limit and "status" not in filters and "exited" not in filters:
        ordered = [c for c in ordered if c.state.status in ("running", "paused", "restarting")]
    checks = [_check(key, values, resolve, image_matches) for key, values in filters.items()]
    chosen = [c for c in ordered if all(check(c) for check in checks)]
    return chosen[:limit] if limit and limit > 0 else chosen


def _check(key: str, values: list[str], resolve, image_matches) -> Callable[[Container], bool]:
    if key == "status":
        unknown = set(values) - _STATUSES
        if unknown:
            raise InvalidArgument(f"invalid filter 'status={unknown.pop()}'")
        return lambda c: c.state.status in values
    if key == "before":
        bounds = [resolve(v).created for v in values]
        return lambda c: all(c.created < b for b in bounds)
    if key == "since":
        bounds = [resolve(v).created for v in values]
        return lambda c: all(c.created > b for b in bounds)
    simple = {
        "id": lambda c, v: c.id.startswith(v),
        "name": lambda c, v: re.search(v, c.name) is not None,
        "label": _label_matches,
        "ancestor": image_matches,
        "exited": lambda c, v: c.state.status == "exited" and str(c.state.exit_code) == v,
        "network": lambda c, v: (v in (c.network_settings.get("Networks") or {})
                                 or c.host_config.get("NetworkMode") == v),
        "volume": lambda c, v: any(m.get("Name") == v or m.get("Destination") == v for m in c.mounts),
        "health": lambda c, v: ((c.state.health or {}).get("Status") or "none") == v,
        "is-task": lambda c, v: v in ("false", "0"),
        "expose": lambda c, v: v in (c.config.get("ExposedPorts") or {}),
        "publish": lambda c, v: bool({v, f"{v}/tcp"} & set(c.network_settings.get("Ports") or {})),
    }
    match = simple[key]  # the API edge admitted only LIST_FILTERS
    if key == "label":  # labels: every one given must match (dockerd's MatchKVList)
        return lambda c: all(match(c, v) for v in values)
    return lambda c: any(match(c, v) for v in values)


def _label_matches(c: Container, label: str) -> bool:
    labels = c.config.get("Labels") or {}
    key, sep, value = label.partition("=")
    return key in labels and (not sep or labels[key] == value)


def prunable(container: Container, filters: dict[str, list[str]], until_ns: int | None) -> bool:
    """`POST /containers/prune`: a stopped container matching every `label`, none of the
    `label!`, created before `until`."""
    if container.state.status not in ("exited", "created", "dead"):
        return False
    if not all(_label_matches(container, v) for v in filters.get("label", [])):
        return False
    if any(_label_matches(container, v) for v in filters.get("label!", [])):
        return False
    return until_ns is None or container.created < until_ns
