"""`docker stats` bodies from cgroup readings and the container's network counters."""

import asyncio
import os
import time
from pathlib import Path
from typing import AsyncIterator

from dockyard.cgroups import open_cgroup
from dockyard.cgroups.stats import CgroupStats
from dockyard.containers.model import Container
from dockyard.wire.times import format_rfc3339_nano


def system_cpu_ns() -> int:
    """Total CPU time of the host in ns, from the first line of /proc/stat (USER_HZ ticks)."""
    with open("/proc/stat") as stat:
        ticks = sum(int(v) for v in stat.readline().split()[1:8])
    return ticks * (1_000_000_000 // os.sysconf("SC_CLK_TCK"))


def network_counters(pid: int) -> dict:
    """Per-interface rx/tx from /proc/<pid>/net/dev (the container's own network namespace)."""
    networks: dict[str, dict] = {}
    try:
        lines = Path(f"/proc/{pid}/net/dev").read_text().splitlines()[2:]
    except OSError:
        return networks
    for line in lines:
        name, _, numbers = line.partition(":")
        name, values = name.strip(), [int(v) for v in numbers.split()]
        if name == "lo" or len(values) < 16:
            continue
        networks[name] = {"rx_bytes": values[0], "rx_packets": values[1], "rx_errors": values[2],
                          "rx_dropped": values[3], "tx_bytes": values[8], "tx_packets": values[9],
                          "tx_errors": values[10], "tx_dropped": values[11]}
    return networks


def _cpu(stats: CgroupStats, system_ns: int) -> dict:
    return {"cpu_usage": {"total_usage": stats.cpu_total_ns, "percpu_usage": stats.cpu_percpu_ns,
                          "usage_in_kernelmode": 0, "usage_in_usermode": 0},
            "system_cpu_usage": system_ns, "online_cpus": os.cpu_count() or 1,
            "throttling_data": {"periods": 0, "throttled_periods": 0, "throttled_time": 0}}


def stats_body(container: Container, current: CgroupStats, system_ns: int, previous: tuple | None,
               now_ns: int, networks: dict) -> dict:
    prev_stats, prev_system, prev_time = previous or (CgroupStats(), 0, 0)
    return {
        "read": format_rfc3339_nano(now_ns), "preread": format_rfc3339_nano(prev_time),
        "pids_stats": {"current": current.pids_current},
        "blkio_stats": {"io_service_bytes_recursive": [
            {"major": 0, "minor": 0, "op": "read", "value": current.blkio_read_bytes},
            {"major": 0, "minor": 0, "op": "write", "value": current.blkio_write_bytes}]},
        "num_procs": 0, "storage_stats": {},
        "cpu_stats": _cpu(current, system_ns), "precpu_stats": _cpu(prev_stats, prev_system),
        "memory_stats": {"usage": current.memory_usage, "limit": _limit(current.memory_limit),
                         "stats": {"total_inactive_file": current.memory_inactive_file,
                                   "inactive_file": current.memory_inactive_file}},
        "name": "/" + container.name, "id": container.id, "networks": networks,
    }


def _limit(limit: int) -> int:
    """An unlimited cgroup reports a huge number; Docker shows the host's memory instead."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return total if limit <= 0 or limit > total else limit


async def sample_stats(container: Container, cgroup_path: str, stream: bool,
                       is_running) -> AsyncIterator[dict]:
    """One body (with a precpu sample taken ~1 s apart, as dockerd does) or one per second."""
    cgroup = open_cgroup(cgroup_path)

    def read() -> tuple[CgroupStats, int, int]:
        return cgroup.stats(), system_cpu_ns(), time.time_ns()

    if not is_running():
        yield stats_body(container, CgroupStats(), 0, None, 0, {})
        return
    previous = await asyncio.to_thread(read)
    while True:
        await asyncio.sleep(1)
        if not is_running():
            return
        current = await asyncio.to_thread(read)
        yield stats_body(container, current[0], current[1], previous, current[2], network_counters(container.state.pid))
        if not stream:
            return
        previous = current
