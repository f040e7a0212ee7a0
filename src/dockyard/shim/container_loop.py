"""One container's view of its shim host's loop: its callbacks run in its state directory.

A shim host serves several containers in one process and one Loop (shim/host.py). The shim's
code names its files relative to the working directory (a socket's path must stay under 108
bytes, and runc resolves a console socket's path from the cwd it inherits), so every callback
a container's code registers first enters that container's state directory, and then goes
back to the caller's (another container's code may call it) or to "/": between callbacks the
host holds no container's directory. A failing callback's traceback goes to the container's
shim.log. Once closed, the container's callbacks still pending (timers, late child exits) are
dropped: nothing of a removed container runs again in the host. A container whose state dir was
removed under it (a daemon killed mid-removal) is found so at its next callback (its init's
exit, once the next daemon's recovery deletes it through the runtime) and dropped.
"""

import os
import traceback
from collections.abc import Callable
from pathlib import Path

from dockyard.shim.loop import Loop

DIAGNOSTICS = "shim.log"


class ContainerLoop:
    def __init__(self, loop: Loop, state_dir: Path):
        self.loop = loop
        self.state_dir = Path(state_dir)
        self.closed = False
        self.on_vanished: Callable[[], None] | None = None   # called when its state dir is found gone

    def enter(self) -> None:
        """Make the container's state dir the process's working directory."""
        if self.loop.cwd_owner is not self:
            os.chdir(self.state_dir)          # a path, not a held fd: a host has 32 containers' fds
            self.loop.cwd_owner = self

    def close(self) -> None:
        """The container left the host: its pending callbacks are dropped."""
        self.closed = True

    def report_failure(self) -> None:
        """The exception being handled, to the container's shim.log."""
        try:
            with open(self.state_dir / DIAGNOSTICS, "a", encoding="utf-8") as log:
                traceback.print_exc(file=log)
        except OSError:                       # its directory is gone: nobody would read it
            pass

    def _scoped(self, callback):
        def run(*args):
            if self.closed:
                return None
            caller = self.loop.cwd_owner     # another container's code may call in (Loop.reap)
            try:
                self.enter()
            except FileNotFoundError:        # removed under us: nobody can reach the container
                self.closed = True
                if self.on_vanished is not None:
                    self.on_vanished()
                return None
            try:
                return callback(*args)
            except Exception:           # one container's bug must not reach the others
                self.report_failure()
                return None
            finally:
                _back_to(self.loop, caller)
        return run

    # the Loop's interface, scoped ---------------------------------------------
    def add_reader(self, fd: int, callback) -> None:
        self.loop.add_reader(fd, self._scoped(callback))

    def add_writer(self, fd: int, callback) -> None:
        self.loop.add_writer(fd, self._scoped(callback))

    def remove_reader(self, fd: int) -> None:
        self.loop.remove_reader(fd)

    def remove_writer(self, fd: int) -> None:
        self.loop.remove_writer(fd)

    def forget(self, fd: int) -> None:
        self.loop.forget(fd)

    def call_later(self, delay: float, callback) -> None:
        self.loop.call_later(delay, self._scoped(callback))

    def call_soon_threadsafe(self, callback) -> None:
        self.loop.call_soon_threadsafe(self._scoped(callback))

    def watch_child(self, pid: int, callback) -> None:
        self.loop.watch_child(pid, self._scoped(callback))

    def wait_child_blocking(self, pid: int) -> int:
        return self.loop.wait_child_blocking(pid)

    def reap(self) -> None:
        self.loop.reap()


def _back_to(loop: Loop, caller: ContainerLoop | None) -> None:
    """Between callbacks a host works in "/": no container's directory is held by it."""
    if caller is not None and not caller.closed:
        try:
            caller.enter()
            return
        except FileNotFoundError:
            pass
    os.chdir("/")
    loop.cwd_owner = None
