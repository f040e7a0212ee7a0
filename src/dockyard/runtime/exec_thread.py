"""An exec started from a thread of the caller that first becomes the container's, then spawns.

Forking the shim for an exec copies its page tables, then every page its Python touches in the
child, and execve tears that copy down again: ~3 of the ~4 ms an exec took. A thread instead
takes what the process must have, all of it per thread in the kernel: its own fs_struct and fd
table (unshare), the container's namespaces (the pid one for its children), its v1 cgroups
(`tasks`), user (raw system calls: glibc's set*id make every thread follow), capabilities,
umask, working directory and seccomp filter. posix_spawn, a vfork that copies nothing, then
starts the process, which inherits all of it, and the thread ends. The process is the caller's
child, as a forked one is (the shim reaps it).

ExecTarget.thread_may_spawn says where nothing process-wide is needed (no TTY, rlimits or
oom_score_adj of its own, no user namespace, no v2 cgroup.procs, a seccomp filter the thread
outlives); elsewhere, and whenever this path fails on something other than the process's own
setup, the caller forks (init.py), which gives the same process.
"""

from __future__ import annotations

import _thread                         # not threading: its at-fork hook would cost every fork
import os

from dockyard.runtime import process_setup as ps
from dockyard.runtime.exec_target import ExecTarget
from dockyard.runtime.init import ChildPlan, become_process, describe_failure, setup_exec
from dockyard.runtime.sync import RuntimeFailure
from dockyard.syscalls import constants as c
from dockyard.syscalls.protocol import Syscalls


def spawn(sys: Syscalls, target: ExecTarget, process: dict, stdio) -> int | None:
    """The process's pid; None when the caller should fork instead. Raises RuntimeFailure with
    runc's words when the process itself cannot start (no such executable, working directory)."""
    join_fds = target.open_namespaces()
    pid_namespace_fd = os.open(f"/proc/{target.record.pid}/ns/pid", os.O_RDONLY | os.O_CLOEXEC) \
        if target.pid_namespace else None
    plan = ChildPlan(spec=target.record.spec, process=process, cgroup=target.cgroup, sync_fd=-1, stdio=stdio,
                     join_fds=join_fds, cgroup_join_fds=target.cgroup_join_fds,
                     seccomp_program=target.seccomp_program, inherited=target.inherited,
                     announce_ready=False, in_thread=True)
    try:
        return _in_a_thread(sys, plan, pid_namespace_fd)
    finally:
        for fd in [*(fd for fd, _ in join_fds), *([pid_namespace_fd] if pid_namespace_fd is not None else [])]:
            os.close(fd)


def _in_a_thread(sys: Syscalls, plan: ChildPlan, pid_namespace_fd: int | None) -> int | None:
    outcome: list = []
    done = _thread.allocate_lock()
    done.acquire()

    def body() -> None:
        try:
            outcome.append(_become_and_spawn(sys, plan, pid_namespace_fd))
        except BaseException as exc:   # reported to the waiting caller
            outcome.append(exc)
        finally:
            done.release()

    try:
        _thread.start_new_thread(body, ())
    except RuntimeError:                # no thread to be had: fork
        return None
    done.acquire()
    result = outcome[0]
    if isinstance(result, RuntimeFailure):
        raise RuntimeFailure(describe_failure(result)) from None
    return result if isinstance(result, int) else None


def _become_and_spawn(sys: Syscalls, plan: ChildPlan, pid_namespace_fd: int | None) -> int | None:
    sys.unshare(c.CLONE_FS | c.CLONE_FILES)   # root, cwd, umask and fds of our own from here
    if pid_namespace_fd is not None:
        sys.setns(pid_namespace_fd, c.CLONE_NEWPID)
    setup_exec(sys, plan)
    path = become_process(sys, plan)    # ends marking every fd above 2 close-on-exec
    try:
        environment = ps.environment(plan.process.get("env") or [])
        return sys.spawn(path, plan.process["args"], [f"{k}={v}" for k, v in environment.items()], plan.stdio)
    except OSError:
        return None                     # the fork path tells why, in its words (or succeeds)
