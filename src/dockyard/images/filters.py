"""`GET /images/json` and `POST /images/prune` filters (pure)."""

from __future__ import annotations

import fnmatch


from dockyard.errors import InvalidArgument
from dockyard.oci.reference import Reference

LIST_FILTERS = {"dangling", "label", "reference", "before", "since", "until"}
PRUNE_FILTERS = {"dangling", "label", "label!", "until"}


def dangling_value(filters: dict[str, list[str]]) -> bool | None:
    values = filters.get("dangling")
    if not values:
        return None
    if len({v.lower() for v in values}) > 1:
        raise InvalidArgument("conflicting dangling filter values")
    value = values[0].lower()
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    raise InvalidArgument(f"invalid filter 'dangling={values[0]}'")


def labels_match(labels: dict[str, str], wanted: list[str]) -> bool:
    for item in wanted:
        key, eq, value = item.partition("=")
        if key not in labels or (eq and labels[key] != value):
            return False
    return True


def negated_labels_match(labels: dict[str, str], wanted: list[str]) -> bool:
    """`label!=k` / `label!=k=v` in prune filters: keep images that carry them."""
    return not any(labels_match(labels, [w]) for w in wanted)


def reference_matches(tags: list[Reference], patterns: list[str]) -> bool:
    """Docker matches the pattern against the familiar name and name:tag."""
    for pattern in patterns:
        for tag in tags:
            candidates = [tag.familiar_name, tag.familiar()]
            if ":" not in pattern and "@" not in pattern:
                candidates = [tag.familiar_name]
            if any(fnmatch.fnmatchcase(c, pattern) for c in candidates):
                return True
    return False


def time_bound(created: int, before: int | None, since: int | None) -> bool:
    if before is not None and created >= before:
        return False
    if since is not None and created <= since:
        return False
    return True


