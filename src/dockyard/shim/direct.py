"""An attach session that writes output straight to the API client's socket.

The daemon passes the hijacked connection of `docker run`/`docker attach` with the attach
request (SCM_RIGHTS), so output crosses one socket instead of two and the daemon never copies
it. The bytes are Docker's: stdcopy frames without a TTY, raw with one. Stdin still comes
through the daemon (detach keys and half-close rules live there), and the end still goes to
the daemon as END, once the client has been sent everything and our copy of its socket is
closed; the daemon then closes the connection.
"""

import socket
import time

from dockyard.shim.connection import AttachSession, Connection, Outgoing
from dockyard.syscalls.socket_queue import unread_by_peer
from dockyard.wire.stdcopy import HEADER

HEAD_READ_TIMEOUT = 1.0               # seconds the client may take to read what came before us
HEAD_POLL = 0.0005


class DirectSession(AttachSession):
    def __init__(self, connection: Connection, process, streams: set[int], stdin: bool, client_fd: int,
                 framed: bool):
        super().__init__(connection, process, streams, stdin)
        self.loop = connection.loop
        self.client: socket.socket | None = socket.socket(fileno=client_fd)
        self.client.setblocking(False)
        self.pending = Outgoing()
        self.framed = framed
        self.exit_status = None
        self.ending = False
        self.head_read_by: float | None = time.monotonic() + HEAD_READ_TIMEOUT   # None: the client read it

    def output(self, stream: int, data: bytes) -> None:
        if stream not in self.streams or self.client is None:
            return
        had_backlog = bool(self.pending)
        if self.framed:
            self.pending.append(HEADER.pack(stream, len(data)))
        self.pending.append(data)
        if not had_backlog:
            self._flush()

    def backlog(self) -> int:
        return len(self.pending)

    def _flush(self) -> None:
        client = self.client
        if client is None or not self._head_read(client):  # closed meanwhile / later
            return
        try:
            while self.pending:
                self.pending.send_to(client)
        except BlockingIOError:
            self.loop.add_writer(client.fileno(), self._flush)
            return
        except OSError:                   # the client went away: so does this session
            self._close_client()
            self.connection.close()
            return
        self.loop.remove_writer(client.fileno())
        self.process.session_drained()
        if self.ending:
            self._end_now()

    def _head_read(self, client: socket.socket) -> bool:
        """Whether the client has read what the daemon sent before us (the 101's head of an
        exec's start, which runs the process at once): docker-py reads that head through a
        buffer whose surplus it drops when it turns to the raw socket. Until then (at most
        HEAD_READ_TIMEOUT), the output waits here."""
        if self.head_read_by is None:
            return True
        if unread_by_peer(client) and time.monotonic() < self.head_read_by:
            self.loop.call_later(HEAD_POLL, self._flush)
            return False
        self.head_read_by = None
        return True

    def end(self, exit_status) -> None:
        self.exit_status, self.ending = exit_status, True
        if not self.pending:
            self._end_now()

    def _end_now(self) -> None:
        self._close_client()
        super().end(self.exit_status)

    def detach(self) -> None:
        self._close_client()
        super().detach()

    def _close_client(self) -> None:
        if self.client is not None:
            self.loop.forget(self.client.fileno())
            self.client.close()
            self.client = None
            self.pending.clear()
