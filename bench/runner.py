"""Runs one workload on every target, interleaved, and gathers samples or reasons."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Sequence

from bench.report import format_value
from bench.results import Outcome, WorkloadResult
from bench.schedule import interleave
from bench.workload import Unavailable, Workload


def reason(error: BaseException) -> str:
    if isinstance(error, Unavailable):
        return str(error)
    if isinstance(error, subprocess.TimeoutExpired):
        return f"{' '.join(map(str, error.cmd[:3]))} timed out after {error.timeout:g}s"
    return f"{type(error).__name__}: {error}"


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_workload(workload: Workload, targets: Sequence, rounds: int | None = None,
                 progress: Callable[[str], None] = _progress) -> WorkloadResult:
    result = WorkloadResult(workload.name, workload.command, workload.unit, workload.goal,
                            workload.higher_is_better, limit=workload.limit)
    states = {}
    load_before = os.getloadavg()[0]
    for target in targets:
        outcome = result.outcomes[target.name] = Outcome()
        try:
            states[target.name] = workload.setup(target)
        except Exception as error:   # noqa: BLE001 - reported as n/a, the run goes on
            outcome.failure = reason(error)
            progress(f"{workload.name} on {target.name}: n/a ({outcome.failure})")
    for slot in interleave(targets, rounds or workload.rounds, workload.warmup):
        outcome = result.outcomes[slot.target.name]
        if outcome.failure is not None:
            continue
        try:
            value = workload.run(slot.target, states[slot.target.name])
        except Exception as error:   # noqa: BLE001
            outcome.failure = reason(error)
            progress(f"{workload.name} on {slot.target.name}: n/a ({outcome.failure})")
            continue
        if isinstance(value, tuple):   # (value, note): e.g. what stopped the capacity run
            value, note = value
            outcome.notes.append(note)
        if slot.measured:
            outcome.samples.append(value)
        label = "" if slot.measured else " (warm-up)"
        progress(f"{workload.name} on {slot.target.name}: {format_value(value, workload.unit)}{label}")
    result.load = (load_before, os.getloadavg()[0])
    for target in targets:
        if target.name in states:
            try:
                workload.teardown(target, states[target.name])
            except Exception as error:   # noqa: BLE001
                result.outcomes[target.name].notes.append(f"teardown failed: {reason(error)}")
    return result
