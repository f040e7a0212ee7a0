"""A cgroup in the unified (v2) hierarchy: one directory, controllers enabled from above."""

import os
import time

from dockyard.cgroups import files
from dockyard.cgroups.resources import plan_v2
from dockyard.cgroups.stats import CgroupStats, parse_flat_keyed, parse_io_stat_v2
from dockyard.cgroups.devices_bpf import compile_device_rules
from dockyard.errors import InternalError
from dockyard.syscalls.protocol import Syscalls

_WANTED = ("cpuset", "cpu", "io", "memory", "pids")


class CgroupV2:
    version = 2

    def __init__(self, path: str, mountpoint: str) -> None:
        self.path = "/" + path.strip("/")
        self.mountpoint = mountpoint
        self.dir = os.path.join(mountpoint, self.path.lstrip("/"))

    def unique_dirs(self) -> list[str]:
        return [self.dir]

    def create(self) -> None:
        """Enable the controllers in every ancestor's subtree_control, then make the leaf."""
        parts = self.path.strip("/").split("/")
        current = self.mountpoint
        for part in parts:
            available = files.read(os.path.join(current, "cgroup.controllers")).split()
            enable = " ".join(f"+{c}" for c in _WANTED if c in available)
            if enable:
                files.write(os.path.join(current, "cgroup.subtree_control"), enable)
            current = os.path.join(current, part)
            os.makedirs(current, exist_ok=True)

    def apply(self, resources: dict, sys: Syscalls | None = None) -> None:
        for _, name, value in plan_v2(resources):
            target = os.path.join(self.dir, name)
            if not os.path.exists(target):
                if name in ("io.weight", "memory.swap.max", "memory.oom.group"):
                    continue  # optional knobs (no io scheduler weight, no swap)
                raise InternalError(f"cgroup: controller file {name} is not available")
            files.write(target, value)
        if resources.get("devices"):
            if sys is None:
                from dockyard.syscalls.linux import LinuxSyscalls  # ctypes only when needed
                sys = LinuxSyscalls()
            self._apply_devices(resources["devices"], sys)

    def _apply_devices(self, rules: list[dict], sys: Syscalls) -> None:
        fd = os.open(self.dir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            sys.bpf_attach_cgroup_device(compile_device_rules(rules), fd)
        except OSError as exc:
            raise InternalError(f"cgroup: attaching the device filter to {self.path}: {exc.strerror}") from None
        finally:
            os.close(fd)

    def add(self, pid: int) -> None:
        files.write(os.path.join(self.dir, "cgroup.procs"), str(pid))

    def join_files(self) -> list[str]:
        """The files a single-threaded process writes "0" to, to join (v2 domain cgroups have
        no per-thread way in)."""
        return [os.path.join(self.dir, "cgroup.procs")]

    def procs(self) -> list[int]:
        return files.read_pids(os.path.join(self.dir, "cgroup.procs"))

    def freeze(self) -> None:
        self._set_frozen(True)

    def thaw(self) -> None:
        self._set_frozen(False)

    def frozen(self) -> bool:
        return parse_flat_keyed(files.read(os.path.join(self.dir, "cgroup.events"))).get("frozen") == 1

    def _set_frozen(self, frozen: bool) -> None:
        files.write(os.path.join(self.dir, "cgroup.freeze"), "1" if frozen else "0")
        for _ in range(1000):
            if self.frozen() == frozen:
                return
            time.sleep(0.001)
        raise InternalError(f"cgroup: {self.path} did not {'freeze' if frozen else 'thaw'}")

    def oom_kills(self) -> int:
        return parse_flat_keyed(files.read(os.path.join(self.dir, "memory.events"))).get("oom_kill", 0)

    def stats(self) -> CgroupStats:
        mstat = parse_flat_keyed(files.read(os.path.join(self.dir, "memory.stat")))
        cpu = parse_flat_keyed(files.read(os.path.join(self.dir, "cpu.stat")))
        read, write = parse_io_stat_v2(files.read(os.path.join(self.dir, "io.stat")))
        return CgroupStats(
            memory_usage=files.read_int(os.path.join(self.dir, "memory.current")),
            memory_limit=files.read_int(os.path.join(self.dir, "memory.max")),
            memory_inactive_file=mstat.get("inactive_file", 0),
            cpu_total_ns=cpu.get("usage_usec", 0) * 1000,
            pids_current=files.read_int(os.path.join(self.dir, "pids.current")),
            blkio_read_bytes=read, blkio_write_bytes=write, oom_kills=self.oom_kills())

    def delete(self) -> None:
        if not os.path.isdir(self.dir):
            return
        kill = os.path.join(self.dir, "cgroup.kill")
        if os.path.exists(kill):
            files.write(kill, "1")
        files.kill_all_and_wait(os.path.join(self.dir, "cgroup.procs"))
        files.rmdir_retrying(self.dir)
