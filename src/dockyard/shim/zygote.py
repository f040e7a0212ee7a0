"""The shim launcher ("zygote"): a warm, single-threaded process that forks shim hosts.

The daemon starts it once (`python -m dockyard.shim.zygote FD`) with one end of a
SOCK_SEQPACKET pair. Each message is a JSON launch config carrying one fd: the new shim's
birth socket (shim/birth.py), on which it waits for the daemon's go, then reports one line,
`{"pid": ...}` or `{"error": ...}`, once the runtime's create has finished.

A container's shim lives in a shim host (shim/host.py). Containers of the built-in runtime
share a host, HOST_CAPACITY of them: the zygote hands each launch to its current host and
forks a new one when that host is full (or gone). A runtime binary's create and delete block
the host's loop for tens of milliseconds, so those containers get a host each. Every host is
forked once into its own session: it is not the daemon's child, and when the zygote goes (it
exits with its daemon) the hosts are reparented, so they survive both. (One fork, not two: a
second costs ~1-10 ms; the zygote ignores SIGCHLD so the kernel reaps the hosts that exit while
it lives.)
"""

import gc
import json
import os
import signal
import socket
import sys

from dockyard.shim.host import MAX_MESSAGE, run_host
from dockyard.shim.runtime_cli import BUILTIN
from dockyard.shim.spawn import DEFAULT_SIGNALS

HOST_CAPACITY = 32        # containers per host: ~3 MiB of a host's own pages shared among them


class _CurrentHost:
    """The host that takes the next launches, and how many more it takes."""

    def __init__(self, channel: socket.socket, room: int):
        self.channel = channel
        self.room = room

    def hand_over(self, message: bytes, report_fd: int) -> bool:
        """Give the host this launch; False if it is gone or not reading (the caller forks another)."""
        try:
            socket.send_fds(self.channel, [message], [report_fd])
        except OSError:
            return False
        self.room -= 1
        return True


def _become_host(config: dict, report: socket.socket, channel: socket.socket | None) -> int:
    """Each container's diagnostics go to its own shim.log (container_loop.py); the host's
    stdio is /dev/null, so that no container's directory is held open by the process."""
    os.setsid()
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    null = os.open(os.devnull, os.O_RDWR)
    for target in (0, 1, 2):
        os.dup2(null, target)
    os.close(null)
    return run_host(config, report, channel)


def _fork_host(config: dict, report: socket.socket, channel: socket.socket | None,
               ours: list[socket.socket]) -> None:
    """Fork a host born with this launch; `ours`: the zygote's sockets, closed in the child."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            for sock in ours:
                sock.close()
            code = _become_host(config, report, channel)
        finally:
            os._exit(code)
    report.close()
    if channel is not None:
        channel.close()


def serve(control: socket.socket, warm: dict | None = None) -> None:
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    gc.freeze()                       # keep forked hosts' pages shared
    current: _CurrentHost | None = None
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
        shared = isinstance(config.get("runtime"), dict) and config["runtime"].get("binary") == BUILTIN
        if shared and current is not None and current.hand_over(message, report.fileno()):
            report.close()
            if current.room == 0:     # full: it exits once its containers have left
                current.channel.close()
                current = None
            continue
        if shared and current is not None:             # gone
            current.channel.close()
            current = None
        theirs = None
        zygote_side = [control] + ([current.channel] if current is not None else [])
        if shared:
            mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            mine.setblocking(False)   # a host that stops reading is passed over, never waited for
            zygote_side.append(mine)
        _fork_host({**config, "warm": warm or {}}, report, theirs, zygote_side)
        if shared:
            current = _CurrentHost(mine, HOST_CAPACITY - 1)


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
