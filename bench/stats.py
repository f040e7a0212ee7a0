"""Statistics of a workload's samples: medians, the dockyard/dockerd ratio and the goal verdict."""

from __future__ import annotations

import statistics
from collections.abc import Sequence


def median(samples: Sequence[float]) -> float | None:
    """The median, or None when nothing was measured."""
    return statistics.median(samples) if samples else None


def ratio(ours: float | None, theirs: float | None) -> float | None:
    """ours / theirs, or None when either side is missing or the baseline is zero."""
    if ours is None or theirs is None or theirs == 0:
        return None
    return ours / theirs


def goal_met(value: float | None, goal: float | None, higher_is_better: bool = False) -> bool | None:
    """Whether a ratio meets its goal; None when there is no ratio or no goal.

    For times and memory the goal is a ceiling (ratio <= goal); for throughput and counts
    it is a floor (ratio >= goal)."""
    if value is None or goal is None:
        return None
    return value >= goal if higher_is_better else value <= goal
