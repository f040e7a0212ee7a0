"""The shim's end of its birth socket (the zygote hands it over; launcher.py holds the other).

The shim sets up and waits on its host's loop for LAUNCH_GO (the daemon writes the bundle
meanwhile), then creates the container and reports one JSON line. End-of-file instead of
LAUNCH_GO: the daemon's start failed or the daemon died, and the shim leaves its host having
made nothing.
"""

import json
import socket

from dockyard.shim.protocol import LAUNCH_GO


def await_go(loop, sock: socket.socket, answered) -> None:
    """answered(True) on the loop once the daemon's LAUNCH_GO came (its bundle is written),
    answered(False) at end-of-file or anything else."""
    sock.setblocking(False)
    received = bytearray()

    def readable() -> None:
        try:
            chunk = sock.recv(len(LAUNCH_GO))
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        received.extend(chunk)
        if chunk and not received.endswith(b"\n"):
            return
        loop.forget(sock.fileno())
        sock.setblocking(True)             # the one-line report goes out whole
        answered(bytes(received) == LAUNCH_GO)

    loop.add_reader(sock.fileno(), readable)


def report(sock: socket.socket, result: dict) -> None:
    """One line, not EOF: a child forked by an in-process runtime holds the socket until it execs.

    A daemon killed meanwhile reads nothing: the shim serves all the same, and the next daemon
    adopts its container or rolls the start back (containers/recovery.py). Were it to exit
    here, its created container would wait for a start forever, out of anyone's sight."""
    try:
        sock.sendall(json.dumps(result).encode() + b"\n")
    except OSError:
        pass
    finally:
        sock.close()
