"""The stdio a runtime command hands to a container process: pipes, /dev/null or a pty."""

import fcntl
import os

from dockyard.shim.spawn import ConsoleSocket, open_devnull, resize_pty


class ProcessStdio:
    """Child ends go to the runtime command as 0/1/2; our ends stay in the shim."""

    def __init__(self, tty: bool):
        self.tty = tty
        self.child_fds: tuple[int, int, int] = (-1, -1, -1)
        self.stdin: int | None = None          # our write end (or, for a tty, the master)
        self.outputs: dict[int, int] = {}      # stream -> our read end
        self.console: ConsoleSocket | None = None
        self._child_ends: list[int] = []

    @property
    def console_path(self) -> str | None:
        return self.console.connect_path if self.console else None

    def close_child_ends(self) -> None:
        for fd in set(self._child_ends):
            os.close(fd)
        self._child_ends = []

    def take_console(self, console_size) -> None:
        """After the runtime command succeeded: receive the pty master it sent."""
        if self.console is None:
            return
        try:
            master = self.console.receive_master()
        finally:
            self.console.close()
            self.console = None
        if console_size:
            resize_pty(master, int(console_size[0]), int(console_size[1]))
        self.stdin = master
        self.outputs = {1: master}

    def abandon(self) -> None:
        self.close_child_ends()
        if self.console is not None:
            self.console.close()
            self.console = None
        for fd in {*self.outputs.values(), *([self.stdin] if self.stdin is not None else [])}:
            os.close(fd)
        self.outputs = {}
        self.stdin = None


PIPE_SIZE = 1024 * 1024
F_SETPIPE_SZ = 1031


def _widen(fd: int) -> None:
    """A 1 MiB stdout pipe: fewer wake-ups and larger reads for chatty containers."""
    try:
        fcntl.fcntl(fd, F_SETPIPE_SZ, PIPE_SIZE)
    except OSError:                           # above /proc/sys/fs/pipe-max-size: keep 64 KiB
        pass


def make_stdio(tty: bool, open_stdin: bool, console_path: str) -> ProcessStdio:
    stdio = ProcessStdio(tty)
    devnull = open_devnull()
    stdio._child_ends.append(devnull)
    if tty:
        stdio.console = ConsoleSocket(console_path)
        stdio.child_fds = (devnull, devnull, devnull)
        return stdio
    stdin_child = devnull
    if open_stdin:
        stdin_child, stdio.stdin = os.pipe2(os.O_CLOEXEC)
        stdio._child_ends.append(stdin_child)
    out_read, out_write = os.pipe2(os.O_CLOEXEC)
    err_read, err_write = os.pipe2(os.O_CLOEXEC)
    _widen(out_read)
    stdio._child_ends += [out_write, err_write]
    stdio.outputs = {1: out_read, 2: err_read}
    stdio.child_fds = (stdin_child, out_write, err_write)
    return stdio
