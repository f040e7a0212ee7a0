"""The shim launcher ("zygote"): a warm, single-threaded process that forks shims.

The daemon starts it once (`python -m dockyard.shim.zygote FD`) with one end of a
SOCK_SEQPACKET pair. Each message is a JSON launch config carrying one fd: the new shim's
birth socket (shim/birth.py), on which it waits for the daemon's go, then reports one line,
`{"pid": ...}` or `{"error": ...}`, once the runtime's create has finished. Every shim is
forked once into its own session: it is not the daemon's child, and when the zygote goes (it
exits with its daemon) the shims are reparented, so they survive both. (One fork, not two: a
second costs ~1-10 ms per launch; the zygote ignores SIGCHLD so the kernel reaps the shims that
exit while it lives.)
"""

import gc
import json
import os
import signal
import socket
import sys
import traceback

from dockyard.shim.server import run_shim
from dockyard.shim.spawn import DEFAULT_SIGNALS

MAX_MESSAGE = 256 * 1024


def _become_shim(config: dict, report: socket.socket) -> int:
    os.setsid()
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    stdin = os.open(os.devnull, os.O_RDONLY)
    diagnostics = os.open(os.path.join(config["state_dir"], "shim.log"),
                          os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(stdin, 0)
    os.dup2(diagnostics, 1)
    os.dup2(diagnostics, 2)
    os.close(stdin)
    os.close(diagnostics)
    try:
        return run_shim(config, report)
    except BaseException:
        traceback.print_exc()
        return 1
    finally:
        sys.stderr.flush()


def _launch(control: socket.socket, config: dict, report: socket.socket) -> None:
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            control.close()
            code = _become_shim(config, report)
        finally:
            os._exit(code)
    report.close()


def serve(control: socket.socket, warm: dict | None = None) -> None:
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    gc.freeze()                       # keep forked shims' pages shared
    while True:
        message, fds, _, _ = socket.recv_fds(control, MAX_MESSAGE, 1)
        if not message:
            return
        if not fds:
            continue
        os.set_inheritable(fds[0], False)
        report = socket.socket(fileno=fds[0])
        try:
            config = json.loads(message)
        except ValueError as err:
            report.sendall(json.dumps({"error": f"bad launch request: {err}"}).encode() + b"\n")
            report.close()
            continue
        _launch(control, {**config, "warm": warm or {}}, report)


def _preload_builtin_runtime() -> dict:
    """Import the built-in runtime and what its create needs now, and read the cgroup
    hierarchies (mountinfo grows with every container's netns mount) and the bounding set
    once, so that shims forked from here start warm. Returns what the shims are handed in
    their config as "warm"."""
    try:
        import dockyard.runtime.builtin
        import dockyard.runtime.console
        import dockyard.runtime.init  # noqa: F401
        from dockyard.cgroups.mounts import read_hierarchies
        from dockyard.runtime.process_setup import bounding_set
        from dockyard.syscalls.linux import LinuxSyscalls
    except ImportError:
        return {}
    return {"cgroup_hierarchies": read_hierarchies(), "bounding_set": bounding_set(LinuxSyscalls())}


def _default_signals() -> None:
    """A daemon started under nohup (or Python's own SIGINT handler) must not hand ignored or
    caught signals down to shims and, through an in-process runtime, to containers."""
    for number in DEFAULT_SIGNALS:
        if number not in (signal.SIGPIPE, signal.SIGXFSZ):   # Python's I/O errors need these
            signal.signal(number, signal.SIG_DFL)


def main() -> None:
    _default_signals()
    warm = _preload_builtin_runtime()
    control = socket.socket(fileno=int(sys.argv[1]))
    control.set_inheritable(False)
    serve(control, warm)


if __name__ == "__main__":
    main()
