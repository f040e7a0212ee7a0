"""What a daemon can leave on the host, looked up in the kernel rather than asked of the daemon:
processes, cgroups, mounts, bridge ports (veths), iptables chains, and its own files."""

import hashlib
import json
import os
import subprocess
import time
from pathlib import Path

from tests.support.daemon import Daemon, mounts_under


def processes_under(path: Path) -> list[tuple[int, str]]:
    """(pid, cwd) of processes working under `path` (a directory that was removed shows with
    ` (deleted)`)."""
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                cwd = os.readlink(f"/proc/{entry.name}/cwd")
            except OSError:
                continue
            if cwd.startswith(str(path) + "/"):
                found.append((int(entry.name), cwd))
    return found


def shim_hosts_under(path: Path) -> list[tuple[int, str]]:
    """(pid, file) of shim hosts that still keep a container under `path`: a host works in "/"
    between callbacks, so its cwd says nothing, but it holds the container's log file open (and
    its sockets, bound by relative names, show no directory)."""
    prefix, found = str(path) + "/", []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or b"dockyard.shim.zygote" not in _cmdline(int(entry.name)):
            continue
        try:
            fds = os.listdir(f"/proc/{entry.name}/fd")
        except OSError:
            continue
        for fd in fds:
            if int(fd) <= 2:                 # the zygote's stdio is its daemon's log
                continue
            try:
                target = os.readlink(f"/proc/{entry.name}/fd/{fd}")
            except OSError:
                continue
            if target.startswith(prefix):
                found.append((int(entry.name), target))
    return found


def children_named(pid: int, word: bytes) -> list[int]:
    """Child processes of `pid` whose command line contains `word` (a daemon's shim zygote)."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [int(c) for c in children if word in _cmdline(int(c))]


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def cgroups_of(container_ids, parent: str = "dockyard") -> list[str]:
    """The cgroup directories of these containers, in every hierarchy (v1 and v2)."""
    root = Path("/sys/fs/cgroup")
    return [str(p) for container_id in container_ids
            for p in [*root.glob(f"*/{parent}/{container_id}"), root / parent / container_id] if p.is_dir()]


def cgroup_processes(container_id: str) -> set[int]:
    return {int(pid) for directory in cgroups_of([container_id])
            for pid in (Path(directory) / "cgroup.procs").read_text().split()}


def bridge_ports(bridge: str) -> list[str]:
    out = subprocess.run(["ip", "-j", "link", "show", "master", bridge], capture_output=True, text=True)
    return [link["ifname"] for link in json.loads(out.stdout or "[]")] if out.returncode == 0 else []


def link_exists(name: str) -> bool:
    return subprocess.run(["ip", "link", "show", name], capture_output=True).returncode == 0


def iptables_rules(exec_root: Path) -> list[str]:
    """Rules and chains of the daemon on `exec_root` (its chains are named after a hash of it)."""
    tag = "DOCKYARD-" + hashlib.sha256(str(exec_root).encode()).hexdigest()[:8]
    rules = []
    for table in ("filter", "nat"):
        out = subprocess.run(["iptables", "-t", table, "-S"], capture_output=True, text=True).stdout
        rules += [line for line in out.splitlines() if tag in line]
    return rules


def store_entries(d: Daemon) -> dict[str, list[str]]:
    """What the daemon's roots hold per container: none of it may outlive `docker rm`."""
    def names(path: Path) -> list[str]:
        return sorted(p.name for p in path.iterdir()) if path.is_dir() else []
    runtime_states = [f"{r.name}/{c}" for r in (d.exec_root / "runtime").glob("*") for c in names(r)]
    return {"records": names(d.data_root / "containers" / "records"),
            "container files": [n for n in names(d.data_root / "containers") if n != "records"],
            "state dirs": names(d.exec_root / "containers"), "runtime state": runtime_states,
            "netns": names(d.exec_root / "netns"),
            "container layers": names(d.data_root / "snapshots" / "active"),
            "mounts": mounts_under(d.base)}


def bridge_of(d: Daemon) -> str | None:
    """The bridge a test gave its daemon (`--bridge NAME`); None for one whose pods use CNI."""
    return d.extra_args[d.extra_args.index("--bridge") + 1] if "--bridge" in d.extra_args else None


def left_behind(d: Daemon, container_ids=(), rules_before: list[str] | None = None,
                settle: float = 10) -> dict[str, list]:
    """What outlived the containers of a running daemon, by kind; {} when nothing did: processes
    working under its base, the containers' cgroups, ports on its bridge (veths), iptables
    rules other than `rules_before` (its own chains with no container), and its roots' entries.
    A removed container's directories are deleted off the request path (containers/service.py),
    so what is found is looked at again for up to `settle` seconds."""
    deadline = time.monotonic() + settle
    while True:
        found = {"processes": processes_under(d.base), "shims": shim_hosts_under(d.base),
                 "cgroups": cgroups_of(container_ids),
                 "veths": bridge_ports(bridge) if (bridge := bridge_of(d)) else [], **store_entries(d)}
        if rules_before is not None:
            found["iptables"] = sorted(set(iptables_rules(d.exec_root)) ^ set(rules_before))
        found = {kind: entries for kind, entries in found.items() if entries}
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def left_after_stop(d: Daemon) -> dict[str, list]:
    """What a stopped daemon with no containers left on the host; {} when nothing."""
    bridge = bridge_of(d)
    found = {"processes": processes_under(d.base), "shims": shim_hosts_under(d.base),
             "bridge": [bridge] if bridge and link_exists(bridge) else [],
             "iptables": iptables_rules(d.exec_root), "mounts": mounts_under(d.base)}
    return {kind: entries for kind, entries in found.items() if entries}
