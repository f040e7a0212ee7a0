"""Memory of a daemon and its helpers, read from /proc.

A daemon's processes are those carrying its BENCH_MARKER environment value (the daemon, and
whatever it starts that inherits its environment: containerd and its shims, dockyard's shims
and runtime) plus the daemon's descendants; processes in another PID namespace are the
containers' own workloads and are not counted."""

from __future__ import annotations

import os
from pathlib import Path

PROC = Path("/proc")
MARKER_VAR = "BENCH_MARKER"


def _pids() -> list[int]:
    return [int(p) for p in os.listdir(PROC) if p.isdigit()]


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:   # gone, or a kernel thread
        return None


def parent_pid(pid: int) -> int | None:
    stat = _read(PROC / str(pid) / "stat")
    if stat is None:
        return None
    return int(stat[stat.rindex(b")") + 2:].split()[1])   # comm may contain spaces and ')'


def _pid_namespace(pid: int) -> str | None:
    try:
        return os.readlink(PROC / str(pid) / "ns" / "pid")
    except OSError:
        return None


def rss_kib(pid: int) -> int:
    status = _read(PROC / str(pid) / "status") or b""
    for line in status.splitlines():
        if line.startswith(b"VmRSS:"):
            return int(line.split()[1])
    return 0


def pss_kib(pid: int) -> int:
    """Proportional set size: shared pages split among the processes sharing them."""
    rollup = _read(PROC / str(pid) / "smaps_rollup") or b""
    for line in rollup.splitlines():
        if line.startswith(b"Pss:"):
            return int(line.split()[1])
    return 0


def daemon_processes(marker: str, daemon_pid: int) -> list[int]:
    """PIDs that belong to the daemon: marked ones and its descendants, in our PID namespace."""
    needle = f"{MARKER_VAR}={marker}".encode()
    own_ns = _pid_namespace(os.getpid())
    pids = _pids()
    parents = {pid: parent_pid(pid) for pid in pids}
    chosen = {daemon_pid}
    for pid in pids:
        environ = _read(PROC / str(pid) / "environ")
        if environ and needle in environ.split(b"\0"):
            chosen.add(pid)
    grew = True
    while grew:   # close over descendants
        before = len(chosen)
        chosen |= {pid for pid, parent in parents.items() if parent in chosen}
        grew = len(chosen) != before
    return sorted(pid for pid in chosen if _pid_namespace(pid) == own_ns)


def footprint_mib(marker: str, daemon_pid: int, proportional: bool = False) -> float:
    """Summed RSS (or PSS) of the daemon's processes, MiB."""
    measure = pss_kib if proportional else rss_kib
    return sum(measure(pid) for pid in daemon_processes(marker, daemon_pid)) / 1024
