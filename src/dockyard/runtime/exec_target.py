"""What every exec into one container needs, worked out once by the runtime's caller (the shim)
while the container's state file stays the same: its namespaces, open cgroup files, compiled
seccomp filter, and whether an exec may be spawned from a thread (exec_thread.py)."""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass

from dockyard.cgroups import Cgroup, files
from dockyard.oci.syscall_table import X86_64
from dockyard.runtime import process_setup
from dockyard.runtime.seccomp_bpf import RET_ALLOW, RET_ERRNO, evaluate
from dockyard.runtime.state import ContainerRecord
from dockyard.syscalls import constants as c
from dockyard.syscalls.protocol import Syscalls

_ORDER = ("ipc", "uts", "network", "cgroup", "mount")  # mount last: it moves us to its root

# What a thread makes once its seccomp filter is on: the rest of its setup, posix_spawn (its
# stack, the vfork, what the child does until execve, reaping a child that failed), a signal
# handled meanwhile, and the thread's own end. A filter that does not allow each of them could
# kill the whole shim, not just a child: such containers take the fork path.
_AFTER_SECCOMP = ("prctl", "setgroups", "setresgid", "setresuid", "capset", "capget", "umask",
                  "close_range", "mmap", "munmap", "mremap", "mprotect", "madvise", "brk",
                  "rt_sigprocmask", "rt_sigaction", "rt_sigreturn", "sigaltstack", "setsid", "dup2",
                  "dup3", "close", "execve", "wait4", "futex", "set_robust_list", "rseq", "exit",
                  "exit_group", "getpid", "gettid", "sched_yield", "write")
_VFORK = c.CLONE_VM | c.CLONE_VFORK | 17               # glibc's posix_spawn: clone(..., SIGCHLD)


@dataclass(frozen=True)
class ExecTarget:
    version: tuple[int, int, int]       # the state file's inode, mtime and size when read
    record: ContainerRecord
    cgroup: Cgroup
    cgroup_join_fds: tuple[int, ...]    # its join_files, open: the child (or thread) writes "0"
    namespaces: tuple[tuple[str, int], ...]   # (/proc/<pid>/ns/ name, CLONE_NEW* flag), mount last
    pid_namespace: bool
    seccomp_program: bytes
    inherited: process_setup.Inherited  # the caller's, which its children get
    threadable: bool                    # what a thread may do for an exec here (see exec_thread)

    def open_namespaces(self) -> tuple[tuple[int, int], ...]:
        """(fd, CLONE_NEW* flag) of each namespace to join, opened through the init, mount last."""
        return tuple((os.open(f"/proc/{self.record.pid}/ns/{name}", os.O_RDONLY | os.O_CLOEXEC), flag)
                     for name, flag in self.namespaces)

    def close(self) -> None:
        for fd in self.cgroup_join_fds:
            os.close(fd)

    def thread_may_spawn(self, process: dict) -> bool:
        """Whether exec_thread may start `process`: nothing it needs is process-wide."""
        oom = process.get("oomScoreAdj")
        return (self.threadable and not process.get("terminal") and not process.get("rlimits")
                and (oom is None or oom == self.inherited.oom_score_adj))


def prepare(sys: Syscalls, record: ContainerRecord, cgroup: Cgroup, version: tuple[int, int, int]) -> ExecTarget:
    linux = record.spec.get("linux") or {}
    kinds = {ns["type"] for ns in linux.get("namespaces") or []}
    program = process_setup.seccomp_program(linux.get("seccomp"))
    join_files = cgroup.join_files()
    threadable = ("user" not in kinds                                   # setns(user) needs one thread
                  and all(os.path.basename(p) == "tasks" for p in join_files)   # cgroup.procs: all threads
                  and _thread_survives(program))
    return ExecTarget(
        version=version, record=record, cgroup=cgroup, cgroup_join_fds=files.open_for_writing(join_files),
        namespaces=tuple((c.NAMESPACE_FILES[kind], c.NAMESPACE_FLAGS[kind]) for kind in _ORDER if kind in kinds),
        pid_namespace="pid" in kinds, seccomp_program=program, inherited=process_setup.inherited(sys),
        threadable=threadable)


def _thread_survives(program: bytes) -> bool:
    if not program:
        return True
    if any(evaluate(program, X86_64[name]) != RET_ALLOW for name in _AFTER_SECCOMP):
        return False
    clone3 = evaluate(program, X86_64["clone3"])        # glibc falls back to clone on ENOSYS only
    return (evaluate(program, X86_64["clone"], (_VFORK,)) == RET_ALLOW
            and clone3 in (RET_ALLOW, RET_ERRNO | errno.ENOSYS))
