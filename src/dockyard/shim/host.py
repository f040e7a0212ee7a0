"""A shim host: one process, one loop, keeping up to `capacity` containers (one Shim each).

The zygote forks a host with its first container and hands it the next ones over a
SOCK_SEQPACKET channel (a launch message and its birth socket, as the zygote got them) until the
host has taken `capacity`; then it closes the channel. A host exits once the channel is closed
(the zygote moved on, or it exited with its daemon) and its last container has left, so a host
outlives the daemon as long as one of its containers does.

Why several containers share one process: a forked CPython process owns ~3 MiB of pages it
copied from the zygote (reference counts, its own heap), twice what a container may cost us; in
one host that is paid once for many. A host's containers share its fate: a bug or a `kill` that
ends the host ends their shims together (their callbacks are kept apart, container_loop.py).
"""

import json
import os
import socket
from pathlib import Path

from dockyard.shim.container_loop import ContainerLoop
from dockyard.shim.loop import Loop
from dockyard.shim.server import Shim
from dockyard.shim.spawn import become_subreaper

MAX_MESSAGE = 256 * 1024


class ShimHost:
    def __init__(self, loop: Loop, channel: socket.socket | None, warm: dict):
        self.loop = loop
        self.channel = channel
        self.warm = warm                      # what the zygote read once (zygote._preload_builtin_runtime)
        self.shims: dict[Shim, ContainerLoop] = {}
        if channel is not None:
            channel.setblocking(False)
            loop.add_reader(channel.fileno(), self._on_launch)

    def admit(self, config: dict, report: socket.socket) -> None:
        """Take a container: its Shim waits for the daemon's go on `report`."""
        state_dir = Path(config["state_dir"])
        (state_dir / "shim.pid").write_text(str(os.getpid()))
        scope = ContainerLoop(self.loop, state_dir)
        shim = Shim({**config, "warm": self.warm}, scope, lambda: self._gone(shim))
        scope.on_vanished = shim.vanished
        self.shims[shim] = scope
        shim.begin(report)

    def _on_launch(self) -> None:
        channel = self.channel
        if channel is None:
            return
        try:
            message, fds, _, _ = socket.recv_fds(channel, MAX_MESSAGE, 1)
        except BlockingIOError:
            return
        except OSError:
            message, fds = b"", []
        if not message:                       # the zygote is done with us
            for fd in fds:
                os.close(fd)
            self.loop.forget(channel.fileno())
            channel.close()
            self.channel = None
            self._maybe_exit()
            return
        if not fds:
            return
        report = socket.socket(fileno=fds[0])
        try:
            self.admit(json.loads(message), report)
        except Exception as err:              # its state dir is gone, say: the others go on
            _refuse(report, f"shim host: {err!r}")

    def _gone(self, shim: Shim) -> None:
        scope = self.shims.pop(shim, None)
        if scope is not None:
            scope.close()
        self._maybe_exit()

    def _maybe_exit(self) -> None:
        if not self.shims and self.channel is None:
            self.loop.stop()


def _refuse(report: socket.socket, message: str) -> None:
    try:
        report.setblocking(True)
        report.sendall(json.dumps({"error": message}).encode() + b"\n")
    except OSError:
        pass
    finally:
        report.close()


def run_host(config: dict, report: socket.socket, channel: socket.socket | None) -> int:
    """The body of a host process (already detached), born with its first container."""
    become_subreaper()
    loop = Loop()
    host = ShimHost(loop, channel, config.get("warm") or {})
    try:
        host.admit(config, report)
        loop.run()
    except BaseException:                     # the host's end is each of its containers' news
        for scope in host.shims.values():
            scope.report_failure()
        return 1
    return 0
