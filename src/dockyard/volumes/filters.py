"""Filters of `GET /volumes` and `POST /volumes/prune` (pure), with dockerd's errors."""

import functools
import re
from typing import Callable

from dockyard.errors import InvalidArgument
from dockyard.volumes.model import Volume

Predicate = Callable[[Volume], bool]
LIST_FILTERS = {"dangling", "driver", "label", "name"}
PRUNE_FILTERS = {"label", "label!", "all"}


def _boolean(filters: dict[str, list[str]], key: str) -> bool | None:
    values = {v.lower() for v in filters.get(key, [])}
    if not values:
        return None
    if values <= {"true", "1"}:
        return True
    if values <= {"false", "0"}:
        return False
    raise InvalidArgument(f"invalid filter '{key}={','.join(sorted(values))}'")


def has_label(labels: dict[str, str] | None, wanted: str) -> bool:
    """`key` matches a label of that key, `key=value` one with that value."""
    key, sep, value = wanted.partition("=")
    labels = labels or {}
    return key in labels and (not sep or labels[key] == value)


def _labelled(wanted: str, volume: Volume) -> bool:
    return has_label(volume.labels, wanted)


def _name_matches(name: str, pattern: str) -> bool:
    if name == pattern:
        return True
    try:
        return re.search(pattern, name) is not None
    except re.error:
        return False


def _label_checks(filters: dict[str, list[str]]) -> list[Predicate]:
    checks: list[Predicate] = []
    for wanted in filters.get("label", []):
        checks.append(functools.partial(_labelled, wanted))
    if filters.get("label!"):
        checks.append(lambda v: not any(has_label(v.labels, w) for w in filters["label!"]))
    return checks


def list_predicate(filters: dict[str, list[str]]) -> Predicate:
    """Every given key must match (values of one key: any of them; labels: all of them)."""
    checks = _label_checks(filters)
    dangling = _boolean(filters, "dangling")
    if dangling is not None:
        checks.append(lambda v: (not v.references) == dangling)
    if filters.get("name"):
        checks.append(lambda v: any(_name_matches(v.name, p) for p in filters["name"]))
    if filters.get("driver"):
        checks.append(lambda v: "local" in filters["driver"])
    return lambda v: all(check(v) for check in checks)


def prune_predicate(filters: dict[str, list[str]], api_version: tuple[int, int]) -> Predicate:
    """Unused volumes without mount options (nothing local to reclaim in those); only anonymous
    ones unless `all` (API ≥ 1.42: older clients meant every unused volume)."""
    prune_all = _prune_all(filters.get("all", [])) or api_version < (1, 42)
    checks = _label_checks(filters)
    if not prune_all:
        checks.append(lambda v: v.anonymous)
    return lambda v: not v.references and not v.options and all(check(v) for check in checks)


_TRUE, _FALSE = {"1", "t", "true"}, {"0", "f", "false"}


def _prune_all(values: list[str]) -> bool:
    if len(values) > 1:
        raise InvalidArgument(f"invalid filter 'all=[{' '.join(values)}]': only one value is expected")
    if not values:
        return False
    if values[0].lower() not in _TRUE | _FALSE:
        raise InvalidArgument(f"invalid filter 'all': strconv.ParseBool: parsing \"{values[0]}\": invalid syntax")
    return values[0].lower() in _TRUE
