"""What a workload is, and how the harness finds them.

A workload family is a module `bench/<area>_workloads.py` with a function
`workloads() -> list[Workload]`. Add a module to add workloads; nothing else needs editing.
Each workload gets, per target: `setup(target) -> state`, then `run(target, state) -> float`
once per round (the run measures what it means to measure, and cleans up untimed after
itself), then `teardown(target, state)`. Raising `Unavailable` (or any error) marks the
workload "n/a (reason)" on that target; the other target carries on."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bench


class Unavailable(Exception):
    """The target cannot do this (endpoint missing, feature absent); the message says why."""


def _no_setup(target) -> None:
    return None


def _no_teardown(target, state) -> None:
    return None


@dataclass(frozen=True)
class Workload:
    name: str
    command: str                                  # what is measured, as a user would type it
    run: Callable[[Any, Any], float]
    setup: Callable[[Any], Any] = _no_setup
    teardown: Callable[[Any, Any], None] = _no_teardown
    unit: str = "s"                               # s, MiB, MB/s, count
    goal: float | None = None                     # dockyard/dockerd ratio to meet
    limit: float | None = None                    # or: dockyard's own value to meet, in `unit`
    higher_is_better: bool = False
    rounds: int = 5
    warmup: int = 1                               # unmeasured runs first, per target
    opt_in: bool = False                          # slow ones run only when named with --only
    stage: int = 50                               # run order: footprint first, capacity last


def discover(package_dir: Path | None = None) -> list[Workload]:
    """Every workload of every `*_workloads` module, ordered by stage, then module and position."""
    package_dir = package_dir or Path(bench.__file__).parent
    found: list[Workload] = []
    for info in sorted(pkgutil.iter_modules([str(package_dir)]), key=lambda i: i.name):
        if info.name.endswith("_workloads"):
            module = importlib.import_module(f"bench.{info.name}")
            found.extend(module.workloads())
    names = [w.name for w in found]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise ValueError(f"workload names defined twice: {sorted(duplicates)}")
    return sorted(found, key=lambda w: w.stage)   # stable: keeps module order within a stage


def select(all_workloads: list[Workload], only: list[str] | None) -> list[Workload]:
    """Default: all but opt-in ones. With --only: exactly those named (a trailing * matches a prefix)."""
    if not only:
        return [w for w in all_workloads if not w.opt_in]
    chosen = [w for w in all_workloads if any(_matches(w.name, pattern) for pattern in only)]
    unknown = [p for p in only if not any(_matches(w.name, p) for w in all_workloads)]
    if unknown:
        known = ", ".join(w.name for w in all_workloads)
        raise ValueError(f"no workload named {', '.join(unknown)}; known: {known}")
    return chosen


def _matches(name: str, pattern: str) -> bool:
    return name.startswith(pattern[:-1]) if pattern.endswith("*") else name == pattern
