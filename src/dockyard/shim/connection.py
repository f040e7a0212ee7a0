"""One client connection to the shim socket: a request, a reply, maybe an attach stream."""

import collections
import os
import socket

from dockyard.shim import protocol

RECV_SIZE = 256 * 1024
SEND_BUFFERS = 64                     # iovecs per sendmsg (the kernel allows 1024)
MAX_FDS = 1                           # a request carries at most the client's socket


class Outgoing:
    """Bytes queued for a socket, kept as the caller's buffers and sent with sendmsg: no
    joining, and no moving the rest of a large backlog after each partial send."""

    def __init__(self):
        self._buffers: collections.deque = collections.deque()
        self.size = 0

    def __len__(self) -> int:
        return self.size

    def append(self, data) -> None:
        if data:
            self._buffers.append(data)
            self.size += len(data)

    def clear(self) -> None:
        self._buffers.clear()
        self.size = 0

    def send_to(self, sock: socket.socket) -> None:
        """One sendmsg of the first buffers; raises BlockingIOError when the socket is full."""
        buffers = self._buffers
        sent = sock.sendmsg([buffers[i] for i in range(min(len(buffers), SEND_BUFFERS))])
        self.size -= sent
        while sent:
            first = buffers[0]
            if sent < len(first):
                buffers[0] = memoryview(first)[sent:]
                break
            sent -= len(first)
            buffers.popleft()


class Connection:
    def __init__(self, loop, sock: socket.socket, dispatch):
        self.loop = loop
        self.sock = sock
        self.fd = sock.fileno()
        self.dispatch = dispatch          # dispatch(connection, request: dict)
        self.decoder = protocol.FrameDecoder()
        self.outgoing = Outgoing()
        self.closed = False
        self.close_when_sent = False
        self.session: AttachSession | None = None  # once attached
        self.reading = True
        self.received_fds: list[int] = []  # passed with the request (SCM_RIGHTS), until taken
        sock.setblocking(False)
        loop.add_reader(self.fd, self._on_readable)
        self._on_readable()               # a client sends its request as it connects: no select first

    # receiving ------------------------------------------------------------
    def _on_readable(self) -> None:
        try:
            data, fds, _, _ = socket.recv_fds(self.sock, RECV_SIZE, MAX_FDS, socket.MSG_CMSG_CLOEXEC)
        except BlockingIOError:
            return
        except OSError:
            data, fds = None, []
        self.received_fds.extend(fds)
        if not data:                      # clients never half-close: EOF means gone (detach)
            self.close()
            return
        try:
            frames = self.decoder.feed(data)
        except protocol.ProtocolError:
            self.close()
            return
        for kind, payload in frames:
            if self.closed:
                return
            self._on_frame(kind, payload)

    def _on_frame(self, kind: int, payload: bytes) -> None:
        if kind == protocol.REQUEST and self.session is None:
            try:
                request = protocol.decode_json(payload)
            except protocol.ProtocolError as err:
                self.reply_error(str(err))
                return
            self.dispatch(self, request)
            self._close_received_fds()        # the request did not want them
        elif kind == protocol.STDIN and self.session is not None:
            self.session.stdin(payload)
        elif kind == protocol.CLOSE_STDIN and self.session is not None:
            self.session.close_stdin()

    def take_fd(self) -> int | None:
        """The fd that came with the request, now the caller's to close."""
        return self.received_fds.pop(0) if self.received_fds else None

    def _close_received_fds(self) -> None:
        while self.received_fds:
            os.close(self.received_fds.pop())

    @property
    def busy(self) -> bool:
        """Output is still queued here or, for a session writing to its client, there."""
        return bool(self.outgoing) or (self.session is not None and self.session.backlog() > 0)

    def pause_reading(self) -> None:
        """Backpressure: the process does not take stdin as fast as the client sends it."""
        if self.reading and not self.closed:
            self.reading = False
            self.loop.remove_reader(self.fd)

    def resume_reading(self) -> None:
        if not self.reading and not self.closed:
            self.reading = True
            self.loop.add_reader(self.fd, self._on_readable)

    # sending --------------------------------------------------------------
    def reply(self, **fields) -> None:
        self.send(protocol.encode_json(protocol.REPLY, {"ok": True, **fields}))

    def reply_error(self, message: str, **fields) -> None:
        self.send(protocol.encode_json(protocol.REPLY, {"error": message, **fields}))
        self.finish()

    def send(self, *buffers: bytes) -> None:
        if self.closed:
            return
        had_backlog = bool(self.outgoing)
        for data in buffers:
            self.outgoing.append(data)
        if not had_backlog:
            self._flush()

    def finish(self) -> None:
        """Close once everything queued has been sent."""
        self.close_when_sent = True
        if not self.outgoing:
            self.close()

    def _flush(self) -> None:
        try:
            while self.outgoing:
                self.outgoing.send_to(self.sock)
        except BlockingIOError:
            self.loop.add_writer(self.fd, self._flush)
            return
        except OSError:
            self.close()
            return
        self.loop.remove_writer(self.fd)
        if self.session is not None:
            self.session.drained()
        if self.close_when_sent:
            self.close()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.outgoing.clear()
        self._close_received_fds()
        self.loop.forget(self.fd)
        self.sock.close()
        if self.session is not None:
            self.session.detach()


class AttachSession:
    """A connection attached to a process: chosen output streams out, stdin in."""

    def __init__(self, connection: Connection, process, streams: set[int], stdin: bool):
        self.connection = connection
        self.process = process
        self.streams = streams
        self.wants_stdin = stdin
        connection.session = self

    def output(self, stream: int, data: bytes) -> None:
        if stream in self.streams:
            self.connection.send(protocol.HEADER.pack(stream + protocol.STDOUT - 1, len(data)), data)

    def backlog(self) -> int:
        return len(self.connection.outgoing)

    def drained(self) -> None:
        self.process.session_drained()

    def stdin(self, data: bytes) -> None:
        if self.wants_stdin and not self.process.write_stdin(data):
            self.connection.pause_reading()

    def stdin_drained(self) -> None:
        self.connection.resume_reading()

    def close_stdin(self) -> None:
        if self.wants_stdin:
            self.process.close_stdin()

    def end(self, exit_status) -> None:
        self.connection.send(protocol.encode_json(protocol.END, exit_status.to_json() if exit_status else {}))
        self.connection.finish()

    def detach(self) -> None:
        self.process.remove_session(self)

