"""The built-in OCI runtime as a library: create/start/state/kill/delete/exec/pause/resume.

A container's init is forked straight from the caller (one fork: the caller enters the new
pid namespace for its next child only, then steps back), so the caller is its parent and can
reap it, which the per-container shim relies on.
"""

from __future__ import annotations

import builtins
import contextlib
import json
import os
import select
import signal
import time
from typing import TYPE_CHECKING

from dockyard.cgroups import open_cgroup
from dockyard.errors import Conflict, InvalidArgument, NotFound
from dockyard.metadata import atomic
from dockyard.oci.annotations import INIT_ANNOTATION
from dockyard.runtime import process_setup as ps
from dockyard.runtime import sync
from dockyard.runtime.state import (ContainerRecord, ContainerState, StateStore,
                                    process_start_time)
from dockyard.runtime.sync import RuntimeFailure
from dockyard.syscalls.protocol import Syscalls
from dockyard.syscalls import constants as c

DEFAULT_ROOT = "/run/dockyard/runtime"
if TYPE_CHECKING:
    from dockyard.runtime.exec_target import ExecTarget


class BuiltinRuntime:
    def __init__(self, root: str = DEFAULT_ROOT, sys: Syscalls | None = None,
                 cgroup_root: str = "/sys/fs/cgroup", cgroup_hierarchies=None,
                 bounding_set: int | None = None) -> None:
        self.store = StateStore(root)
        self._sys = sys
        self.cgroup_root = cgroup_root
        self._hierarchies = cgroup_hierarchies  # read once by a warm parent; None: read per call
        self._bounding_set = bounding_set       # likewise (process_setup.inherited)
        self._pending: dict[str, int] = {}   # id -> sync pipe, to learn how exec went at start
        self._exec_targets: dict[str, ExecTarget] = {}

    @property
    def sys(self) -> Syscalls:
        # Made on first use: `start`, `state`, `delete` from the CLI never need ctypes.
        if self._sys is None:
            from dockyard.syscalls import LinuxSyscalls
            self._sys = LinuxSyscalls()
        return self._sys

    # -- create / start -------------------------------------------------------------------
    def create(self, container_id: str, bundle: str, *, stdio=None, console_socket=None,
               pid_file=None, start_now: bool = False) -> int:
        bundle = os.path.abspath(bundle)
        spec = _load_spec(bundle)
        state_dir = self.store.reserve(container_id)
        cgroup = open_cgroup(_cgroup_path(spec, container_id), self.cgroup_root, self._hierarchies)
        try:
            cgroup.create()
            cgroup.apply((spec.get("linux") or {}).get("resources") or {})
            pid, sync_r = self._spawn_init(container_id, bundle, spec, state_dir, cgroup,
                                           stdio, console_socket, start_now)
        except BaseException:
            with contextlib.suppress(Exception):
                cgroup.delete()
            self.store.remove(container_id)
            raise
        self.store.save(ContainerRecord(
            id=container_id, pid=pid, pid_start_time=process_start_time(pid) or 0, bundle=bundle,
            rootfs=spec["root"]["path"], created=_now(), cgroup_path=cgroup.path, spec=spec))
        if pid_file:
            atomic.write_bytes(pid_file, str(pid).encode(), mode=0o644, durable=False)
        self._pending[container_id] = sync_r
        if start_now:
            try:
                self._await_exec(container_id)
            except RuntimeFailure:
                _kill_and_wait(pid, reap=True)   # the exec failed: nobody else will want it
                self.delete(container_id, force=True)
                raise
        return pid

    def _spawn_init(self, container_id, bundle, spec, state_dir, cgroup, stdio, console_socket,
                    start_now) -> tuple[int, int]:
        # Imported here, not at the top: the CLI's other verbs load faster without them.
        from dockyard.runtime.console import connect_console_socket
        from dockyard.runtime.init import ChildPlan, setup_container
        state_fd = None
        if not start_now:
            fifo = self.store.fifo(container_id)
            os.mkfifo(fifo, 0o622)
            os.chmod(fifo, 0o622)
            state_fd = os.open(state_dir, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
        console_fd = connect_console_socket(console_socket) if console_socket else None
        sync_r, sync_w = os.pipe2(os.O_CLOEXEC)
        joined_r, joined_w = os.pipe2(os.O_CLOEXEC)
        plan = ChildPlan(
            spec=spec, process=spec["process"], cgroup=cgroup, sync_fd=sync_w, stdio=stdio,
            console_fd=console_fd, bundle=bundle, rootfs=os.path.join(bundle, spec["root"]["path"]),
            state_dir_fd=state_fd, cgroup_joined_fd=joined_r,
            inherited=None if self._bounding_set is None else ps.inherited(self.sys, self._bounding_set),
            reaper=(spec.get("annotations") or {}).get(INIT_ANNOTATION) == "reaper")
        try:
            pid = self._fork_into_pid_namespace(_pid_namespace(spec), plan, setup_container)
        finally:
            for fd in (sync_w, console_fd, state_fd, joined_r):
                if fd is not None:
                    os.close(fd)
        join_error = _join_cgroup(cgroup, pid, joined_w)  # overlaps with the child's setup
        message = sync.receive(sync_r)
        if join_error and (message is None or message["type"] != "error"):
            message = {"type": "error", "message": str(join_error)}
        if message is None or message["type"] != "ready":
            os.close(sync_r)
            _kill_and_wait(pid, reap=True)
            raise RuntimeFailure(message["message"] if message else "container init exited early")
        return pid, sync_r

    def _fork_into_pid_namespace(self, pid_ns: dict | None, plan, setup) -> int:
        """Fork the child inside `pid_ns` (new, or joined by path) without leaving it ourselves."""
        from dockyard.runtime.init import run_child
        own = None
        if pid_ns is not None:
            own = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
            if pid_ns.get("path"):
                target = os.open(pid_ns["path"], os.O_RDONLY | os.O_CLOEXEC)
                try:
                    self.sys.setns(target, c.CLONE_NEWPID)
                finally:
                    os.close(target)
            else:
                self.sys.unshare(c.CLONE_NEWPID)
        try:
            pid = os.fork()
            if pid == 0:
                run_child(self.sys, plan, setup)
                os._exit(1)  # not reached: run_child execs or exits
        finally:
            if own is not None:
                self.sys.setns(own, c.CLONE_NEWPID)
                os.close(own)
        return pid

    def start(self, container_id: str) -> None:
        record = self.store.load(container_id)
        status = self._status(record)
        if status != "created":
            raise Conflict(f"cannot start a container that is {status}: {container_id}")
        fifo = self.store.fifo(container_id)
        fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        try:
            while not select.select([fd], [], [], 0.05)[0]:
                if process_start_time(record.pid) != record.pid_start_time:
                    raise RuntimeFailure(f"container init {record.pid} exited before start")
            os.read(fd, 1)
        finally:
            os.close(fd)
            os.unlink(fifo)
        self._await_exec(container_id)

    def _await_exec(self, container_id: str) -> None:
        """With the sync pipe (library callers only): end-of-file means execve succeeded."""
        fd = self._pending.pop(container_id, None)
        if fd is None:
            return
        try:
            message = sync.receive(fd)
        finally:
            os.close(fd)
        if message and message["type"] == "error":
            raise RuntimeFailure(message["message"])

    # -- inspection and signals -------------------------------------------------------------
    def state(self, container_id: str) -> ContainerState:
        record = self.store.load(container_id)
        return ContainerState(
            id=record.id, status=self._status(record), pid=record.pid, bundle=record.bundle,
            created=record.created, annotations=record.spec.get("annotations") or {})

    def list(self) -> list[ContainerState]:
        return [self.state(i) for i in self.store.list_ids()]

    def _status(self, record: ContainerRecord) -> str:
        if process_start_time(record.pid) != record.pid_start_time:
            return "stopped"
        if os.path.exists(self.store.fifo(record.id)):
            return "created"
        if self._cgroup(record).frozen():
            return "paused"
        return "running"

    def _cgroup(self, record: ContainerRecord):
        return open_cgroup(record.cgroup_path, self.cgroup_root, self._hierarchies)

    def kill(self, container_id: str, sig: int = signal.SIGTERM, all: bool = False) -> None:
        record = self.store.load(container_id)
        if self._status(record) == "stopped":
            raise Conflict(f"container not running: {container_id}")
        pids = self._cgroup(record).procs() if all else [record.pid]
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass

    def update(self, container_id: str, resources: dict) -> None:
        """Apply new OCI `linux.resources` (docker update) to a live container's cgroup."""
        record = self.store.load(container_id)
        if self._status(record) == "stopped":
            raise Conflict(f"container not running: {container_id}")
        self._cgroup(record).apply(resources)
        linux = record.spec.setdefault("linux", {})
        merged = dict(linux.get("resources") or {})
        merged.update({k: v for k, v in resources.items() if k != "devices"})
        linux["resources"] = merged
        self.store.save(record)

    def pids(self, container_id: str) -> builtins.list[int]:  # `list` here is the verb below
        """Host pids of every process in the container (runc ps)."""
        return self._cgroup(self.store.load(container_id)).procs()

    def pause(self, container_id: str) -> None:
        record = self.store.load(container_id)
        if self._status(record) != "running":
            raise Conflict(f"container not running: {container_id}")
        self._cgroup(record).freeze()

    def resume(self, container_id: str) -> None:
        record = self.store.load(container_id)
        if self._status(record) != "paused":
            raise Conflict(f"container not paused: {container_id}")
        self._cgroup(record).thaw()

    def delete(self, container_id: str, force: bool = False) -> None:
        record = self.store.load(container_id)
        status = self._status(record)
        if status in ("running", "paused") and not force:
            raise Conflict(f"cannot delete container {container_id} that is not stopped: {status}")
        cgroup = self._cgroup(record)
        if status != "stopped":
            if status == "paused":
                cgroup.thaw()
            _kill_and_wait(record.pid)
        cgroup.delete()
        pending = self._pending.pop(container_id, None)
        if pending is not None:
            os.close(pending)
        self._forget_exec_target(container_id)
        self.store.remove(container_id)

    # -- exec -------------------------------------------------------------------------------
    def exec(self, container_id: str, process: dict, *, stdio=None, console_socket=None,
             pid_file=None) -> int:
        """Start `process` in the running container: from a thread of ours where it may
        (exec_thread), else from a forked child; returns its pid once it exec'd."""
        target = self._exec_target(container_id)
        if self._status(target.record) != "running":
            raise Conflict(f"cannot exec in a container that is not running: {container_id}")
        pid = None
        if target.thread_may_spawn(process):
            from dockyard.runtime.exec_thread import spawn
            pid = spawn(self.sys, target, process, stdio)
        if pid is None:
            pid = self._exec_forked(target, process, stdio, console_socket)
        if pid_file:
            atomic.write_bytes(pid_file, str(pid).encode(), mode=0o644, durable=False)
        return pid

    def _exec_forked(self, target: ExecTarget, process: dict, stdio, console_socket) -> int:
        from dockyard.runtime.console import connect_console_socket
        from dockyard.runtime.init import ChildPlan, setup_exec
        record = target.record
        join_fds = target.open_namespaces()
        pid_ns = {"path": f"/proc/{record.pid}/ns/pid"} if target.pid_namespace else None
        console_fd = connect_console_socket(console_socket) if console_socket else None
        sync_r, sync_w = os.pipe2(os.O_CLOEXEC)
        plan = ChildPlan(spec=record.spec, process=process, cgroup=target.cgroup,
                         sync_fd=sync_w, stdio=stdio, console_fd=console_fd, join_fds=join_fds,
                         cgroup_join_fds=target.cgroup_join_fds, seccomp_program=target.seccomp_program,
                         inherited=target.inherited, announce_ready=False)
        try:
            pid = self._fork_into_pid_namespace(pid_ns, plan, setup_exec)
        finally:
            for fd in [sync_w, *(fd for fd, _ in join_fds)] + ([console_fd] if console_fd else []):
                os.close(fd)
        try:
            message = sync.receive(sync_r)    # end-of-file: it exec'd
        finally:
            os.close(sync_r)
        if message and message["type"] == "error":
            _kill_and_wait(pid, reap=True)
            raise RuntimeFailure(message["message"])
        return pid

    def _exec_target(self, container_id: str) -> ExecTarget:
        """What every exec into the container needs, worked out once while its state file
        stays the same (`update` rewrites it)."""
        from dockyard.runtime.exec_target import prepare
        try:
            stat = os.stat(os.path.join(self.store.dir(container_id), "state.json"))
        except FileNotFoundError:
            raise NotFound(f"container does not exist: {container_id}") from None
        version = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        known = self._exec_targets.get(container_id)
        if known is not None and known.version == version:
            return known
        record = self.store.load(container_id)
        self._forget_exec_target(container_id)
        target = prepare(self.sys, record, self._cgroup(record), version)
        self._exec_targets[container_id] = target
        return target

    def _forget_exec_target(self, container_id: str) -> None:
        target = self._exec_targets.pop(container_id, None)
        if target is not None:
            target.close()

    # -- run (create + start + wait + delete), the CLI's `run` ------------------------------
    def run(self, container_id: str, bundle: str, *, stdio=None, console_socket=None,
            pid_file=None) -> int:
        pid = self.create(container_id, bundle, stdio=stdio, console_socket=console_socket,
                          pid_file=pid_file, start_now=True)
        try:
            _, status = os.waitpid(pid, 0)
        finally:
            self.delete(container_id, force=True)
        code = os.waitstatus_to_exitcode(status)
        return 128 - code if code < 0 else code


def _load_spec(bundle: str) -> dict:
    try:
        with open(os.path.join(bundle, "config.json")) as f:
            spec = json.load(f)
    except FileNotFoundError:
        raise InvalidArgument(f"bundle {bundle} has no config.json") from None
    except json.JSONDecodeError as exc:
        raise InvalidArgument(f"bundle {bundle}: invalid config.json: {exc}") from None
    if not (spec.get("root") or {}).get("path") or not (spec.get("process") or {}).get("args"):
        raise InvalidArgument(f"bundle {bundle}: config.json needs root.path and process.args")
    return spec


def _join_cgroup(cgroup, pid: int, joined_w: int) -> Exception | None:
    """Move the child into its cgroup and tell it so (b"1"), or that it failed (b"0")."""
    error = None
    try:
        cgroup.add(pid)
    except Exception as exc:
        error = exc
    try:
        os.write(joined_w, b"0" if error else b"1")
    except BrokenPipeError:
        pass  # the child already died; its own message says why
    finally:
        os.close(joined_w)
    return error


def _cgroup_path(spec: dict, container_id: str) -> str:
    return (spec.get("linux") or {}).get("cgroupsPath") or f"/{container_id}"


def _pid_namespace(spec: dict) -> dict | None:
    return next((ns for ns in (spec.get("linux") or {}).get("namespaces") or []
                 if ns["type"] == "pid"), None)


def _kill_and_wait(pid: int, reap: bool = False, timeout: float = 5.0) -> None:
    """SIGKILL `pid` and wait until it is gone. Only reap it when asked: a stopped init
    belongs to whoever waits for its exit status (the shim)."""
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if reap:
            try:
                if os.waitpid(pid, os.WNOHANG)[0]:
                    return
            except ChildProcessError:
                reap = False
        elif process_start_time(pid) is None:
            return
        time.sleep(0.001)


def _now() -> str:
    """RFC 3339 with nanoseconds, as runc's state shows `created` (time, not datetime: faster import)."""
    ns = time.time_ns()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ns // 1_000_000_000)) + f".{ns % 1_000_000_000:09d}Z"
