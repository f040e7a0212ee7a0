"""Starting runtime commands from the shim: posix_spawn with chosen stdio, pipes, ptys."""

import ctypes
import fcntl
import os
import signal
import socket
import struct
import termios

from dockyard.oci.signals import DEFAULT_DISPOSITION_SIGNALS
from dockyard.syscalls import constants as c
from dockyard.syscalls.linux import LinuxSyscalls

DEFAULT_SIGNALS = DEFAULT_DISPOSITION_SIGNALS


def become_subreaper() -> None:
    LinuxSyscalls().prctl(c.PR_SET_CHILD_SUBREAPER, 1)


M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3          # glibc's mallopt parameters
HEAP_BUFFERS_UP_TO = 32 * 1024 * 1024                  # glibc's largest mmap threshold
RETURN_FREE_HEAP_ABOVE = 8 * 1024 * 1024


def keep_large_buffers_in_heap() -> None:
    """glibc serves blocks above 128 KiB with mmap and unmaps them at free (its adaptive
    threshold only rises later): every 512 KiB read and every encoded log chunk would fault in
    fresh pages, which costs more than copying the bytes, and far more in a VM. Keep them in
    the heap, reused; free heap above 8 MiB still goes back to the system. A no-op off glibc."""
    mallopt = getattr(ctypes.CDLL(None), "mallopt", None)
    if mallopt is not None:
        mallopt(M_MMAP_THRESHOLD, HEAP_BUFFERS_UP_TO)
        mallopt(M_TRIM_THRESHOLD, RETURN_FREE_HEAP_ABOVE)


def spawn(argv: list[str], stdin: int, stdout: int, stderr: int) -> int:
    """Start argv with the given fds as 0/1/2 (all other fds are close-on-exec).

    fork + execve, not posix_spawn: glibc's posix_spawn leaves its internal signals 32/33
    ignored in the child, and runc would hand that on to the container."""
    pid = os.fork()
    if pid:
        return pid
    try:
        for target, fd in enumerate((stdin, stdout, stderr)):
            if fd == target:
                os.set_inheritable(fd, True)
            else:
                os.dup2(fd, target)
        for number in DEFAULT_SIGNALS:
            signal.signal(number, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, [])
        os.execve(argv[0], argv, os.environ)
    finally:
        os._exit(127)


def open_devnull() -> int:
    return os.open(os.devnull, os.O_RDWR | os.O_CLOEXEC)


def resize_pty(fd: int, height: int, width: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", height, width, 0, 0))


class ConsoleSocket:
    """A unix socket runc connects to (`--console-socket`) to hand over the pty master.

    Made in the working directory (the container's state dir); runc reaches it through an fd of
    ours on that directory (`connect_path`), since a host's cwd moves between containers and
    the absolute path may be longer than a socket path can be."""

    def __init__(self, path: str):
        self.path = path
        if os.path.lexists(path):
            os.unlink(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
        self.sock.bind(path)
        self.sock.listen(1)
        self._dir_fd = os.open(".", os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)

    @property
    def connect_path(self) -> str:
        return f"/proc/{os.getpid()}/fd/{self._dir_fd}/{self.path}"

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
            os.unlink(self.path, dir_fd=self._dir_fd)
        except FileNotFoundError:
            pass
        finally:
            os.close(self._dir_fd)
