"""The few host changes the harness makes, each undone at the end: a bridge per daemon, a
FORWARD rule scoped to that bridge (br_netfilter + a DROP policy would otherwise drop
container-to-container traffic when the daemon leaves iptables alone), and unmounting
whatever a daemon left mounted under the bench's temporary directory."""

from __future__ import annotations

import glob
import os
import signal
import subprocess
import time
from pathlib import Path


def _run(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True)


def link_exists(name: str) -> bool:
    return _run("ip", "link", "show", "dev", name).returncode == 0


def create_bridge(name: str, cidr: str) -> None:
    if link_exists(name):
        raise RuntimeError(f"bridge {name} already exists: another bench run, or left over "
                           f"(remove it with: ip link del {name})")
    for argv in (("ip", "link", "add", name, "type", "bridge"), ("ip", "addr", "add", cidr, "dev", name),
                 ("ip", "link", "set", name, "up")):
        result = _run(*argv)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)}: {result.stderr.strip()}")


def delete_link(name: str) -> None:
    if link_exists(name):
        _run("ip", "link", "del", name)


def _bridge_filtering() -> bool:
    try:
        return Path("/proc/sys/net/bridge/bridge-nf-call-iptables").read_text().strip() == "1"
    except OSError:
        return False


def allow_bridge_forwarding(bridge: str) -> bool:
    """Accept forwarded traffic within `bridge`; returns whether a rule was added."""
    if not _bridge_filtering():
        return False
    return _run("iptables", "-I", "FORWARD", "-i", bridge, "-o", bridge, "-j", "ACCEPT").returncode == 0


def remove_bridge_forwarding(bridge: str) -> None:
    _run("iptables", "-D", "FORWARD", "-i", bridge, "-o", bridge, "-j", "ACCEPT")


def mounts_under(path: Path) -> list[str]:
    prefix = str(path)
    with open("/proc/self/mountinfo") as info:
        points = [line.split()[4] for line in info]
    return [p for p in points if p == prefix or p.startswith(prefix + "/")]


def unmount_under(path: Path) -> list[str]:
    """Lazily unmount everything below `path`, deepest first; returns what could not be."""
    for point in sorted(mounts_under(path), key=len, reverse=True):
        _run("umount", "-l", point)
    return mounts_under(path)


def _cgroup_paths(pid: str) -> list[str]:
    try:
        with open(f"/proc/{pid}/cgroup") as cgroup:
            return [line.rstrip("\n").split(":", 2)[2] for line in cgroup]
    except OSError:
        return []


def kill_container_leftovers(container_ids: list[str]) -> int:
    """After a daemon was stopped by force, its containers' processes may survive their killed
    shims. Kill those whose cgroup names one of the daemon's containers, then remove the
    containers' empty cgroup directories. Returns how many processes were killed."""
    wanted = set(container_ids)
    if not wanted:
        return 0
    killed = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        if any(part in wanted for path in _cgroup_paths(pid) for part in path.split("/")):
            try:
                os.kill(int(pid), signal.SIGKILL)
                killed += 1
            except ProcessLookupError:
                pass
    time.sleep(0.5 if killed else 0)   # let the kernel reap them before the cgroups go
    for cid in wanted:
        for directory in glob.glob(f"/sys/fs/cgroup/*/*/{cid}") + glob.glob(f"/sys/fs/cgroup/*/{cid}"):
            try:
                os.rmdir(directory)
            except OSError:
                pass
    return killed
