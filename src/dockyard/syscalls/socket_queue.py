"""How much of what we sent on a unix socket its reader has not read yet (SIOCOUTQ)."""

import fcntl
import socket
import struct
import termios


def unread_by_peer(sock: socket.socket) -> int:
    """Bytes (as the kernel accounts them) sent on `sock` that the other end has not read; 0 for
    sockets that cannot tell (TCP counts what is unacknowledged, not what is unread)."""
    if sock.family != socket.AF_UNIX:
        return 0
    try:
        return struct.unpack("i", fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0\0\0\0"))[0]
    except OSError:
        return 0
