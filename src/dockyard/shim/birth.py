"""The shim's end of its birth socket (the zygote hands it over; launcher.py holds the other).

The shim sets up, waits for LAUNCH_GO (the daemon has written the bundle meanwhile), creates
the container and reports one JSON line. End-of-file instead of LAUNCH_GO: the daemon's start
failed or the daemon died, and the shim exits having made nothing.
"""

import json
import socket

from dockyard.shim.protocol import LAUNCH_GO


def told_to_go(sock: socket.socket) -> bool:
    """Wait for the daemon's LAUNCH_GO (its bundle is written): True, or False at end-of-file."""
    data = b""
    try:
        while not data.endswith(b"\n"):
            chunk = sock.recv(len(LAUNCH_GO))
            if not chunk:
                return False
            data += chunk
    except OSError:
        return False
    return data == LAUNCH_GO


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
