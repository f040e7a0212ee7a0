"""Starting runtime commands from the shim: posix_spawn with chosen stdio, pipes, ptys."""

import ctypes
import fcntl
import os
import signal
import socket
import struct
import termios

PR_SET_CHILD_SUBREAPER = 36
# Python ignores SIGPIPE (and we rely on SIGCHLD); a container must get default dispositions.
_DEFAULT_SIGNALS = (signal.SIGPIPE, signal.SIGXFSZ, signal.SIGCHLD)


def become_subreaper() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


def spawn(argv: list[str], stdin: int, stdout: int, stderr: int) -> int:
    """Start argv with the given fds as 0/1/2 (all other fds are close-on-exec)."""
    actions = [(os.POSIX_SPAWN_DUP2, fd, target) for target, fd in enumerate((stdin, stdout, stderr))]
    return os.posix_spawn(argv[0], argv, os.environ, file_actions=actions,
                          setsigdef=_DEFAULT_SIGNALS, setsigmask=())


def open_devnull() -> int:
    return os.open(os.devnull, os.O_RDWR | os.O_CLOEXEC)


def resize_pty(fd: int, height: int, width: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", height, width, 0, 0))


class ConsoleSocket:
    """A unix socket runc connects to (`--console-socket`) to hand over the pty master."""

    def __init__(self, path: str):
        self.path = path
        if os.path.lexists(path):
            os.unlink(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
        self.sock.bind(path)
        self.sock.listen(1)

    def receive_master(self) -> int:
        """Accept runc's connection and take the fd it sends (SCM_RIGHTS)."""
        conn, _ = self.sock.accept()
        with conn:
            _, fds, _, _ = socket.recv_fds(conn, 4096, 1)
        if not fds:
            raise OSError("runtime sent no console fd")
        os.set_inheritable(fds[0], False)
        return fds[0]

    def close(self) -> None:
        self.sock.close()
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
