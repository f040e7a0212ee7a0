"""Footprint: the daemon's memory at idle, the memory each running container adds (daemon +
shim + runtime processes, RSS summed from /proc), and how many containers run at once."""

from __future__ import annotations

import time

from bench.procs import footprint_mib
from bench.shared import BUSYBOX_IMAGE, need_busybox
from bench.workload import Workload

PER_CONTAINER_SAMPLE = 10
CAPACITY_LIMIT = 1000
MEMORY_FLOOR_MIB = 4096   # the machine is shared: stop before it runs short of memory
LABEL = "dockyard.bench=1"


def _idle_run(target, state) -> float:
    time.sleep(0.5)
    return footprint_mib(target.marker, target.daemon_pid)


def _start_sleepers(target, count: int) -> list[str]:
    return [target.out("run", "-d", "--label", LABEL, BUSYBOX_IMAGE, "sleep", "86400")
            for _ in range(count)]


def _per_container(proportional: bool):
    def run(target, state) -> float:
        before = footprint_mib(target.marker, target.daemon_pid, proportional)
        ids: list[str] = []
        try:
            ids = _start_sleepers(target, PER_CONTAINER_SAMPLE)
            time.sleep(1)   # let lazily started helpers settle
            after = footprint_mib(target.marker, target.daemon_pid, proportional)
        finally:
            target.remove_containers(ids)
        return (after - before) / PER_CONTAINER_SAMPLE
    return run


def _capacity_run(target, state) -> tuple[float, str]:
    """Start sleepers until one fails or the limit is reached; the note says which."""
    ids: list[str] = []
    note = f"stopped at the limit of {CAPACITY_LIMIT} without a failure"
    try:
        while len(ids) < CAPACITY_LIMIT:
            if _available_mib() < MEMORY_FLOOR_MIB:
                note = f"stopped with less than {MEMORY_FLOOR_MIB} MiB of memory available"
                break
            try:
                ids.append(target.out("run", "-d", "--label", LABEL, BUSYBOX_IMAGE, "sleep", "86400",
                                      timeout=120))
            except Exception as error:   # noqa: BLE001 - the failure is the finding
                note = f"container {len(ids) + 1} failed: {error}"
                break
        running = len(target.out("ps", "-q").split())
        note += f"; footprint {footprint_mib(target.marker, target.daemon_pid):.0f} MiB RSS with {running} running"
    finally:
        stuck = target.remove_all_containers()
    if stuck:
        note += f"; afterwards docker rm -f did not finish within 180 s for {len(stuck)} containers"
    return float(running), note


def _available_mib() -> float:
    for line in open("/proc/meminfo"):
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) / 1024
    return float("inf")


def workloads() -> list[Workload]:
    return [
        Workload("idle-rss", "daemon RSS after start, no containers (MiB)", _idle_run, unit="MiB",
                 rounds=3, warmup=0, stage=0),
        Workload("rss-per-container", "RSS added per running busybox sleep (MiB)", _per_container(False),
                 setup=need_busybox, unit="MiB", rounds=3, warmup=0, stage=80),
        # RSS counts pages shared between shims (forked from one zygote, or one Go binary's
        # text) once per process; PSS splits them, so it is what N containers really cost.
        Workload("pss-per-container", "PSS added per running busybox sleep (MiB)", _per_container(True),
                 setup=need_busybox, unit="MiB", rounds=3, warmup=0, stage=80),
        Workload("max-containers", f"busybox sleep containers running at once (limit {CAPACITY_LIMIT})",
                 _capacity_run, setup=need_busybox, unit="count", higher_is_better=True, rounds=1,
                 warmup=0, opt_in=True, stage=99),
    ]
