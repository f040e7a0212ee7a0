"""Terminals: a pty made inside the container, its master handed out over a unix socket.

As runc does, the runtime's caller passes `--console-socket`; the master fd travels with
SCM_RIGHTS and the pty's path as the message bytes. The receiver uses `receive_console`.
"""

import fcntl
import os
import socket
import struct

from dockyard.syscalls import constants as c


def open_pty(ptmx: str = "/dev/ptmx") -> tuple[int, int, str]:
    """(master, slave, slave path) from the devpts instance behind `ptmx`."""
    master = os.open(ptmx, os.O_RDWR | os.O_NOCTTY | os.O_CLOEXEC)
    fcntl.ioctl(master, c.TIOCSPTLCK, struct.pack("i", 0))
    number = struct.unpack("I", fcntl.ioctl(master, c.TIOCGPTN, b"\0" * 4))[0]
    path = os.path.join(os.path.dirname(os.path.realpath(ptmx)), str(number))
    if os.path.basename(os.path.dirname(path)) != "pts":
        path = f"/dev/pts/{number}"
    slave = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_CLOEXEC)
    return master, slave, path


def set_size(fd: int, height: int, width: int) -> None:
    fcntl.ioctl(fd, c.TIOCSWINSZ, struct.pack("HHHH", height, width, 0, 0))


def send_console(sock_fd: int, master: int, path: str) -> None:
    sock = socket.socket(fileno=os.dup(sock_fd))
    try:
        socket.send_fds(sock, [path.encode()], [master])
    finally:
        sock.close()


def become_terminal_owner(slave: int) -> None:
    """Make the pty our controlling terminal and our stdio (we are a session leader)."""
    fcntl.ioctl(slave, c.TIOCSCTTY, 0)
    for fd in (0, 1, 2):
        os.dup2(slave, fd)


def connect_console_socket(path: str) -> int:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(path)
    return sock.detach()


def receive_console(sock: socket.socket) -> tuple[int, str]:
    """For the receiving side (shim, tests): (master fd, pty path)."""
    data, fds, _, _ = socket.recv_fds(sock, 4096, 1)
    if not fds:
        raise OSError("console socket: no file descriptor received")
    return fds[0], data.decode(errors="replace")
