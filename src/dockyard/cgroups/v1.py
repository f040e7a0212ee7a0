"""A cgroup in the v1 hierarchies: one directory per mounted controller."""

import os
import time

from dockyard.cgroups import files
from dockyard.cgroups.mounts import Hierarchy
from dockyard.cgroups.resources import plan_v1
from dockyard.cgroups.stats import CgroupStats, parse_blkio_v1, parse_flat_keyed
from dockyard.errors import InternalError


class CgroupV1:
    version = 1

    def __init__(self, path: str, hierarchies: list[Hierarchy]) -> None:
        self.path = "/" + path.strip("/")
        # Controller -> directory of this cgroup; co-mounted controllers share one.
        self.dirs: dict[str, str] = {}
        for h in hierarchies:
            if h.version == 2:
                self.dirs["unified"] = os.path.join(h.mountpoint, self.path.lstrip("/"))
                continue
            for controller in h.controllers:
                key = controller.removeprefix("name=")
                self.dirs[key] = os.path.join(h.mountpoint, self.path.lstrip("/"))

    def _dir(self, controller: str) -> str | None:
        return self.dirs.get(controller)

    def unique_dirs(self) -> list[str]:
        return list(dict.fromkeys(self.dirs.values()))

    def create(self) -> None:
        for directory in self.unique_dirs():
            os.makedirs(directory, exist_ok=True)
        cpuset = self._dir("cpuset")
        if cpuset:
            self._inherit_cpuset(cpuset)

    def _inherit_cpuset(self, directory: str) -> None:
        """A new v1 cpuset is empty and refuses tasks: copy cpus/mems down from the ancestors.

        The parents of what is filled here get `cgroup.clone_children` (the hierarchy's root
        excepted), so that the kernel fills their next children as it makes them: a write to
        cpuset.cpus takes 0.7-1.7 ms here (the cpuset lock), on the path of every container start."""
        root = directory[: len(directory) - len(self.path)]
        chain = []
        while not files.read(os.path.join(directory, "cpuset.cpus")).strip():
            chain.append(directory)
            directory = os.path.dirname(directory)
        for child in reversed(chain):
            parent = os.path.dirname(child)
            for name in ("cpuset.cpus", "cpuset.mems"):
                files.write(os.path.join(child, name), files.read(os.path.join(parent, name)).strip())
        for parent in {os.path.dirname(child) for child in chain}:
            switch = os.path.join(parent, "cgroup.clone_children")
            if parent != root and files.read(switch).strip() != "1":
                files.write(switch, "1")

    def apply(self, resources: dict, sys=None) -> None:  # sys: for v2 parity (BPF devices)
        writes = plan_v1(resources)
        memory = [w for w in writes if w[0] == "memory" and w[1] in
                  ("memory.limit_in_bytes", "memory.memsw.limit_in_bytes")]
        for controller, name, value in writes:
            directory = self._dir(controller)
            target = directory and os.path.join(directory, name)
            if not target or not os.path.exists(target):
                if controller in ("blkio",) or name.startswith("memory.memsw"):
                    continue  # optional: the kernel lacks the knob (blkio weight, swap accounting)
                raise InternalError(f"cgroup: controller file {name} is not available")
            if (controller, name, value) in memory:
                continue
            files.write(target, value)
        self._apply_memory_limits(memory)

    def _apply_memory_limits(self, writes) -> None:
        """memsw must stay >= limit at every step, so the order depends on the old values."""
        directory = self._dir("memory")
        if not writes or not directory:
            return
        ordered = sorted(writes, key=lambda w: w[1] != "memory.limit_in_bytes")
        try:
            self._write_all(directory, ordered)
        except InternalError:
            self._write_all(directory, list(reversed(ordered)))

    def _write_all(self, directory, writes) -> None:
        for _, name, value in writes:
            target = os.path.join(directory, name)
            if os.path.exists(target):
                files.write(target, value)

    def add(self, pid: int) -> None:
        """Move `pid` (0: the calling process) into every hierarchy."""
        for directory in self.unique_dirs():
            files.write(os.path.join(directory, "cgroup.procs"), str(pid))

    def join_files(self) -> list[str]:
        """The files a single-threaded process writes "0" to, to join: `tasks`.

        `cgroup.procs` takes the threadgroup lock for writing, whose RCU grace period costs
        10–30 ms on the first migration in a while; "0" (the writer itself) in `tasks` does not.
        The hybrid layout's unified hierarchy has no `tasks`: it is joined only when controllers
        act on this cgroup there, since without them membership changes nothing but the `0::`
        line of /proc/<pid>/cgroup.
        """
        unified = self.dirs.get("unified")
        paths = [os.path.join(directory, "tasks") for directory in self.unique_dirs() if directory != unified]
        if unified and files.read(os.path.join(unified, "cgroup.controllers")).strip():
            paths.append(os.path.join(unified, "cgroup.procs"))
        return paths

    def procs(self) -> list[int]:
        directory = self._dir("pids") or self._dir("memory") or self.unique_dirs()[0]
        return files.read_pids(os.path.join(directory, "cgroup.procs"))

    def freeze(self) -> None:
        self._freezer_set("FROZEN")

    def thaw(self) -> None:
        self._freezer_set("THAWED")

    def frozen(self) -> bool:
        directory = self._dir("freezer")
        if not directory:
            return False
        return files.read(os.path.join(directory, "freezer.state")).strip() == "FROZEN"

    def _freezer_set(self, state: str) -> None:
        directory = self._dir("freezer")
        if not directory:
            raise InternalError("cgroup: the freezer controller is not mounted")
        target = os.path.join(directory, "freezer.state")
        for _ in range(1000):
            files.write(target, state)
            if files.read(target).strip() == state:
                return
            time.sleep(0.001)
        raise InternalError(f"cgroup: {self.path} did not reach {state}")

    def oom_kills(self) -> int:
        directory = self._dir("memory")
        if not directory:
            return 0
        return parse_flat_keyed(files.read(os.path.join(directory, "memory.oom_control"))).get("oom_kill", 0)

    def stats(self) -> CgroupStats:
        stats = CgroupStats(oom_kills=self.oom_kills())
        if memory := self._dir("memory"):
            stats.memory_usage = files.read_int(os.path.join(memory, "memory.usage_in_bytes"))
            stats.memory_limit = files.read_int(os.path.join(memory, "memory.limit_in_bytes"))
            mstat = parse_flat_keyed(files.read(os.path.join(memory, "memory.stat")))
            stats.memory_inactive_file = mstat.get("total_inactive_file", 0)
        if cpuacct := self._dir("cpuacct"):
            stats.cpu_total_ns = files.read_int(os.path.join(cpuacct, "cpuacct.usage"))
            percpu = files.read(os.path.join(cpuacct, "cpuacct.usage_percpu")).split()
            stats.cpu_percpu_ns = [int(v) for v in percpu]
        if pids := self._dir("pids"):
            stats.pids_current = files.read_int(os.path.join(pids, "pids.current"))
        if blkio := self._dir("blkio"):
            text = files.read(os.path.join(blkio, "blkio.throttle.io_service_bytes_recursive")) \
                or files.read(os.path.join(blkio, "blkio.io_service_bytes_recursive"))
            stats.blkio_read_bytes, stats.blkio_write_bytes = parse_blkio_v1(text)
        return stats

    def delete(self) -> None:
        """Kill what is left (thawing first: frozen tasks cannot die), then remove the dirs."""
        if not any(os.path.isdir(d) for d in self.unique_dirs()):
            return
        if self.frozen():
            self.thaw()
        for directory in self.unique_dirs():
            if os.path.isdir(directory):
                files.kill_all_and_wait(os.path.join(directory, "cgroup.procs"))
        for directory in self.unique_dirs():
            files.rmdir_retrying(directory)
