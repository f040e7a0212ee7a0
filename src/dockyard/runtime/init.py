"""What runs in the forked child: a container's init, or a process exec'd into a container.

Both end in `become_process` + execve and never return. Any failure is sent to the parent
over the sync pipe (and to stderr), then the child exits.
"""

import os
import traceback
from dataclasses import dataclass

from dockyard.cgroups import Cgroup
from dockyard.runtime import console, process_setup as ps, sync
from dockyard.confined.paths import resolve_in_root
from dockyard.runtime.reaper import exec_under_reaper
from dockyard.runtime.rootfs import finalize_rootfs, pivot_into, prepare_rootfs
from dockyard.runtime.state import FIFO_NAME
from dockyard.syscalls import constants as c
from dockyard.syscalls.protocol import Syscalls


@dataclass
class ChildPlan:
    spec: dict                          # the container's spec
    process: dict                       # what to run (spec["process"] for init)
    cgroup: Cgroup
    sync_fd: int
    stdio: tuple[int, int, int] | None = None
    console_fd: int | None = None
    # init only
    bundle: str = ""
    rootfs: str = ""
    state_dir_fd: int | None = None     # holds exec.fifo; None: start at once (`run`)
    # The parent moves us into the cgroup while we set up (v1 migrations are slow, one per
    # hierarchy); one byte on this pipe says it is done. None: join it ourselves.
    cgroup_joined_fd: int | None = None
    reaper: bool = False
    # exec only: namespaces of the running container, mount last; its cgroup's join_files
    join_fds: tuple[tuple[int, int], ...] = ()
    cgroup_join_fds: tuple[int, ...] = ()
    # Worked out by the parent (an exec's once per container, an init's from what the zygote
    # read): Python run in the forked child copies every page it touches. None: the child does.
    seccomp_program: bytes | None = None
    inherited: ps.Inherited | None = None
    announce_ready: bool = True         # init: "ready" tells the parent it waits for start
    in_thread: bool = False             # a thread of the caller, which then spawns (exec_thread)


def run_child(sys: Syscalls, plan: ChildPlan, setup) -> None:
    """Run `setup(sys, plan)` then exec; report any failure. Never returns."""
    try:
        os.setsid()
        if plan.stdio:
            for target, fd in enumerate(plan.stdio):
                if fd != target:
                    os.dup2(fd, target)
        setup(sys, plan)
        path = become_process(sys, plan)
    except BaseException as exc:
        _fail(plan.sync_fd, describe_failure(exc))
        os._exit(1)
    _exec(plan, path)


def setup_container(sys: Syscalls, plan: ChildPlan) -> None:
    linux = plan.spec.get("linux") or {}
    namespaces = linux.get("namespaces") or []
    cgroupns = any(ns["type"] == "cgroup" and not ns.get("path") for ns in namespaces)
    if cgroupns:  # the namespace's root is the cgroup we are in when it is made
        _await_cgroup(plan)
    joins = [(os.open(ns["path"], os.O_RDONLY | os.O_CLOEXEC), c.NAMESPACE_FLAGS[ns["type"]])
             for ns in namespaces if ns.get("path") and ns["type"] not in ("pid", "user")]
    for fd, flag in joins:
        sys.setns(fd, flag)
        os.close(fd)
    new = 0
    for ns in namespaces:
        if not ns.get("path") and ns["type"] not in ("pid", "user"):
            new |= c.NAMESPACE_FLAGS[ns["type"]]
    if new:
        sys.unshare(new)
    if new & c.CLONE_NEWUTS:
        if plan.spec.get("hostname"):
            sys.sethostname(plan.spec["hostname"])
        if plan.spec.get("domainname"):
            sys.setdomainname(plan.spec["domainname"])
    ps.apply_sysctls(linux.get("sysctl") or {})
    prepare_rootfs(sys, plan.spec, plan.rootfs, plan.bundle, plan.cgroup,
                   cgroupns=bool(new & c.CLONE_NEWCGROUP))
    # Like runc, make a missing working directory rather than fail on it.
    os.makedirs(resolve_in_root(plan.rootfs, plan.process.get("cwd") or "/"), 0o755, exist_ok=True)
    pivot_into(sys, plan.rootfs)
    _setup_console(sys, plan, bind_console=True)
    finalize_rootfs(sys, plan.spec)
    _await_cgroup(plan)


_JOINED = -1


def _await_cgroup(plan: ChildPlan) -> None:
    fd, plan.cgroup_joined_fd = plan.cgroup_joined_fd, _JOINED
    if fd == _JOINED:
        return
    if fd is None:
        plan.cgroup.add(0)
        return
    done = os.read(fd, 1)
    os.close(fd)
    if done != b"1":
        raise sync.RuntimeFailure(f"joining cgroup {plan.cgroup.path} failed")


def setup_exec(sys: Syscalls, plan: ChildPlan) -> None:
    try:
        for fd in plan.cgroup_join_fds:   # "0": the writer, this single-threaded child
            os.write(fd, b"0")
    except OSError as exc:
        raise sync.RuntimeFailure(f"joining cgroup {plan.cgroup.path}: {exc.strerror}") from None
    for fd, flag in plan.join_fds:
        sys.setns(fd, flag)   # entering the mount namespace also moves us to its root
        os.close(fd)
    _setup_console(sys, plan, bind_console=False)


def _setup_console(sys: Syscalls, plan: ChildPlan, bind_console: bool) -> None:
    if not plan.process.get("terminal"):
        return
    if plan.console_fd is None:
        raise sync.RuntimeFailure("a terminal was requested but no console socket was given")
    master, slave, path = console.open_pty()
    size = plan.process.get("consoleSize") or {}
    if size.get("height") and size.get("width"):
        console.set_size(master, int(size["height"]), int(size["width"]))
    user = plan.process.get("user") or {}
    os.fchown(slave, int(user.get("uid", 0)), -1)
    if bind_console:
        if not os.path.exists("/dev/console"):
            open("/dev/console", "a").close()
        sys.mount(path, "/dev/console", None, c.MS_BIND, None)
    console.send_console(plan.console_fd, master, path)
    os.close(master)
    os.close(plan.console_fd)
    console.become_terminal_owner(slave)
    if slave > 2:
        os.close(slave)


def become_process(sys: Syscalls, plan: ChildPlan) -> str:
    process = plan.process
    seccomp = (plan.spec.get("linux") or {}).get("seccomp")
    no_new_privs = bool(process.get("noNewPrivileges"))
    ps.apply_rlimits(process.get("rlimits") or [])
    known = plan.inherited
    ps.set_oom_score_adj(process.get("oomScoreAdj"), known.oom_score_adj if known else None)
    ps.change_dir(process.get("cwd") or "/")
    args = process.get("args") or []
    if not args:
        raise sync.RuntimeFailure("args must not be empty")
    env = ps.with_home(process.get("env") or [], int((process.get("user") or {}).get("uid", 0)))
    plan.process = process = dict(process, env=env)
    path = ps.find_executable(args[0], env)
    caps = process.get("capabilities") or {}
    if not no_new_privs:
        ps.install_seccomp(sys, seccomp, plan.seccomp_program)   # still privileged enough without no_new_privs
    available = ps.drop_bounding_set(sys, caps.get("bounding") or [], known.bounding_set if known else None)
    ps.switch_user(sys, process.get("user") or {}, thread_only=plan.in_thread)
    ps.set_capabilities(sys, caps, available)
    os.umask(int(process.get("user", {}).get("umask", 0o022)))
    if no_new_privs:
        sys.prctl(c.PR_SET_NO_NEW_PRIVS, 1)
    if plan.announce_ready:
        sync.send(plan.sync_fd, "ready")
    if plan.state_dir_fd is not None:
        _wait_for_start(plan.state_dir_fd)
    if no_new_privs:
        ps.install_seccomp(sys, seccomp, plan.seccomp_program)
    if not plan.in_thread:              # (posix_spawn resets them in the process it starts)
        ps.restore_signals(known)
    sys.close_range_cloexec(3)
    return path


def _wait_for_start(state_dir_fd: int) -> None:
    """Block until `start` opens the fifo for reading, then tell it we go on."""
    fd = os.open(FIFO_NAME, os.O_WRONLY | os.O_CLOEXEC, dir_fd=state_dir_fd)
    os.write(fd, b"0")
    os.close(fd)
    os.close(state_dir_fd)


def _exec(plan: ChildPlan, path: str) -> None:
    args = plan.process["args"]
    env = plan.process.get("env") or []
    if plan.reaper:
        exec_under_reaper(path, args, env, plan.sync_fd)
    try:
        os.execve(path, args, ps.environment(env))
    except OSError as exc:
        message, code = ps.exec_error_message(args[0], exc)
        _fail(plan.sync_fd, "unable to start container process: " + message)
        os._exit(code)


def describe_failure(exc: BaseException) -> str:
    if isinstance(exc, sync.RuntimeFailure):
        detail = str(exc)
    elif isinstance(exc, OSError):
        detail = (exc.strerror or str(exc)).lower()
        if exc.filename and str(exc.filename) not in detail:
            detail = f"{exc.filename}: {detail}"
    else:
        detail = "".join(traceback.format_exception_only(exc)).strip()
    return "unable to start container process: " + detail


def _fail(sync_fd: int, message: str) -> None:
    sync.send(sync_fd, "error", message)
    try:
        os.write(2, (message + "\n").encode())
    except OSError:
        pass
