"""`POST /build/prune` filters applied to build cache records (pure): which records stay.

dockerd hands these to BuildKit: `until` and `unused-for` keep what was used within that
duration, `id` selects records by ID prefix, `type`, `description` and `parent` by value;
`inuse`, `shared` and `private` select by those properties (a record in use is never pruned).
"""

from __future__ import annotations

import time
from typing import Any, Callable

from dockyard.errors import InvalidArgument
from dockyard.wire.times import go_duration_ns, until_ns


def cache_keeper(filters: dict[str, list[str]], now: float | None = None) -> Callable[[dict[str, Any]], bool]:
    """A predicate: True for a record (`Type`, `ID`, `Description`, `LastUsedAt`, ...) to keep."""
    now = time.time() if now is None else now
    cutoffs = [_cutoff(key, value, now) for key in ("until", "unused-for") for value in filters.get(key, [])]

    def keep(record: dict[str, Any]) -> bool:
        used = record.get("LastUsedAt") or record.get("CreatedAt") or 0
        if any(used > cutoff for cutoff in cutoffs):
            return True
        if filters.get("id") and not any(record["ID"].startswith(v) for v in filters["id"]):
            return True
        for key, field in (("type", "Type"), ("description", "Description"), ("parent", "Parent")):
            if filters.get(key) and record.get(field, "") not in filters[key]:
                return True
        if filters.get("shared") and not record.get("Shared"):
            return True
        if filters.get("private") and record.get("Shared"):
            return True
        return bool(filters.get("inuse"))  # in-use records are never pruned anyway

    return keep


def _cutoff(key: str, value: str, now: float) -> float:
    if key == "until":
        bound = until_ns(value, int(now * 1e9))
        if bound is None:
            raise InvalidArgument(f"failed to prune build cache: invalid until filter: {value}")
        return bound / 1e9
    duration = go_duration_ns(value)
    if duration is None:
        raise InvalidArgument(f"failed to prune build cache: {key} filter: time: invalid duration {value!r}")
    return now - duration / 1e9
