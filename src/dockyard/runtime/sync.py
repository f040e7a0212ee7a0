"""Messages from a container's init (or exec'd process) to the runtime that started it.

One JSON object per line on a pipe: `{"type": "ready"}` when init waits for `start`,
`{"type": "error", "message": ...}` when setup or exec failed. The write end is close-on-exec,
so end-of-file after `ready` means the process exec'd successfully.
"""

import json
import os
import select

from dockyard.errors import InternalError


class RuntimeFailure(InternalError):
    """The container process could not be set up or started; the message says why, in the
    words Docker's clients look for (`executable file not found in $PATH`, ...)."""


def send(fd: int, kind: str, message: str = "") -> None:
    line = json.dumps({"type": kind, "message": message}) + "\n"
    try:
        os.write(fd, line.encode())
    except OSError:
        pass  # nobody listens any more (the CLI create exited); stderr has it too


def receive(fd: int, timeout: float | None = None) -> dict | None:
    """The next message, or None at end-of-file (the writer closed or exec'd)."""
    buffer = b""
    while not buffer.endswith(b"\n"):
        if timeout is not None:
            ready, _, _ = select.select([fd], [], [], timeout)
            if not ready:
                raise RuntimeFailure("timed out waiting for the container process")
        chunk = os.read(fd, 1)  # byte by byte: a later message stays for a later reader
        if not chunk:
            return None if not buffer else json.loads(buffer)
        buffer += chunk
    return json.loads(buffer.split(b"\n", 1)[0])
