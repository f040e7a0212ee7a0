"""A container process's stdio as the shim owns it: output fan-out, stdin, exit.

One StdioProcess exists for the init and one per exec. Output is read from pipes
(or the pty master), sent to every attach session that asked for that stream and
queued for the log (init only; a BackgroundLog writes it). Stdin from any session is
queued to the process. The process is *finished* when it has exited, its output is
drained and logged (unless `log_at_exit_optional`: a `--rm` container's log is removed
with it, so its exit is not held back while the log catches up).
"""

import os
import time
from typing import Callable

from dockyard.shim.oom import OomProbe
from dockyard.shim.status import ExitStatus, exit_code_of

READ_SIZE = 512 * 1024
BULK_READ = 128 * 1024               # a read this large: the process streams (on_bulk_output)
PAUSE_ABOVE = 4 * 1024 * 1024       # a slow attach client stalls output reading
RESUME_BELOW = 1 * 1024 * 1024
EARLY_OUTPUT_CAP = 1 * 1024 * 1024  # exec output kept for an attach that comes later
DRAIN_GRACE = 1.0                    # seconds without output, after the exit, before giving up on EOF
PARTIAL_FLUSH = 0.25                 # idle partial log lines are written after this
STDIN_BACKLOG = 1 * 1024 * 1024      # above this, attach clients stop being read
STREAM_PACE = 0.002                  # output again within this: a stream, read at this pace


class StdioProcess:
    def __init__(self, loop, *, tty: bool, stdin_fd: int | None, outputs: dict[int, int],
                 log=None, keep_early_output: bool = False, log_at_exit_optional: bool = False):
        self.loop = loop
        self.tty = tty
        self.pid = 0
        self.log = log                        # a BackgroundLog
        self.log_at_exit_optional = log_at_exit_optional
        if log is not None:
            log.on_caught_up = self._apply_backpressure
        self.outputs = dict(outputs)          # stream (1|2) -> fd we read
        self.stdin_fd = stdin_fd              # pipe write end, or the pty master
        self.stdin_buffer = bytearray()
        self.stdin_closing = False
        self.sessions: set = set()
        self.early: list | None = [] if keep_early_output else None
        self.early_size = 0
        self.last_output = 0.0
        self.paused = False
        self.exit: ExitStatus | None = None
        self.finishing = False                # exited and drained, the log still being written
        self.finished = False
        self.waiters: list = []
        self.on_finished: list[Callable[[StdioProcess], None]] = []
        self.oom_probe: OomProbe | None = None
        self.on_bulk_output: Callable[[], None] | None = None  # a read returned BULK_READ or more
        self._flush_scheduled = False
        for stream, fd in self.outputs.items():
            os.set_blocking(fd, False)
            loop.add_reader(fd, lambda s=stream: self._on_readable(s))
        if stdin_fd is not None and not tty:
            os.set_blocking(stdin_fd, False)

    # output ---------------------------------------------------------------
    def _on_readable(self, stream: int) -> None:
        fd = self.outputs[stream]
        chunks, size, ended = [], 0, False
        while size < READ_SIZE:               # a pty hands out ~4 KiB per read: batch them
            try:
                data = os.read(fd, READ_SIZE - size)
            except BlockingIOError:
                break
            except OSError:                   # EIO: the pty's last slave fd closed
                data = b""
            if not data:
                ended = True
                break
            chunks.append(data)
            size += len(data)
        if chunks:
            if size >= BULK_READ and self.on_bulk_output is not None:
                self.on_bulk_output()
            now = time.monotonic()
            streaming = now - self.last_output < STREAM_PACE and size < READ_SIZE
            self.last_output = now
            self._deliver(stream, chunks[0] if len(chunks) == 1 else b"".join(chunks))
            if streaming and not ended:
                self._pace(stream)
        if ended and stream in self.outputs:
            self._close_output(stream)

    def _pace(self, stream: int) -> None:
        """A process that writes as fast as we read (in pipe-buffer pieces, 4 KiB from stdio)
        would wake us for every piece: let its output gather for STREAM_PACE instead."""
        if stream in self.outputs and not self.paused:
            self.loop.remove_reader(self.outputs[stream])
            self.loop.call_later(STREAM_PACE, lambda: self._resume_paced(stream))

    def _resume_paced(self, stream: int) -> None:
        if stream in self.outputs and not self.paused:
            self.loop.add_reader(self.outputs[stream], lambda: self._on_readable(stream))

    def _deliver(self, stream: int, data: bytes) -> None:
        if self.log is not None:
            name = "stderr" if stream == 2 and not self.tty else "stdout"
            self.log.write(name, data, time.time_ns())
            if not data.endswith(b"\n") and not self._flush_scheduled:
                self._flush_scheduled = True
                self.loop.call_later(PARTIAL_FLUSH, self._flush_partials)
        if self.early is not None:
            self._keep_early(self.early, stream, data)
        for session in list(self.sessions):
            session.output(stream, data)
        self._apply_backpressure()

    def _keep_early(self, early: list, stream: int, data: bytes) -> None:
        early.append((stream, data))
        self.early_size += len(data)
        while self.early_size > EARLY_OUTPUT_CAP and early:
            self.early_size -= len(early.pop(0)[1])

    def _flush_partials(self) -> None:
        self._flush_scheduled = False
        if self.log is not None:
            self.log.flush_partials(time.time_ns())

    def _close_output(self, stream: int) -> None:
        fd = self.outputs.pop(stream)
        self.loop.forget(fd)
        if self.tty and fd == self.stdin_fd:
            self.stdin_fd = None
        os.close(fd)
        self._maybe_finish()

    def _apply_backpressure(self) -> None:
        backlog = max((s.backlog() for s in self.sessions), default=0)
        if self.log is not None and self.log.full():
            backlog = PAUSE_ABOVE + 1
        if not self.paused and backlog > PAUSE_ABOVE:
            self.paused = True
            for fd in self.outputs.values():
                self.loop.remove_reader(fd)
        elif self.paused and backlog < RESUME_BELOW:
            self.paused = False
            for stream, fd in self.outputs.items():
                self.loop.add_reader(fd, lambda s=stream: self._on_readable(s))

    def session_drained(self) -> None:
        if self.paused:
            self._apply_backpressure()

    # sessions -------------------------------------------------------------
    def add_session(self, session) -> None:
        if self.early:
            for stream, data in self.early:
                session.output(stream, data)
        self.early = None
        if self.finished:
            session.end(self.exit)
            return
        self.sessions.add(session)

    def remove_session(self, session) -> None:
        self.sessions.discard(session)
        self.session_drained()

    # stdin ----------------------------------------------------------------
    def write_stdin(self, data: bytes) -> bool:
        """Queue data for the process; False asks the sender to wait for stdin_drained."""
        if self.stdin_fd is None or self.stdin_closing:
            return True
        had_backlog = bool(self.stdin_buffer)
        self.stdin_buffer += data
        if not had_backlog:
            self._flush_stdin()
        return len(self.stdin_buffer) < STDIN_BACKLOG

    def close_stdin(self) -> None:
        """EOF for the process (pipes only: a pty has no half-close)."""
        if self.tty or self.stdin_fd is None:
            return
        self.stdin_closing = True
        if not self.stdin_buffer:
            self._drop_stdin()

    def _flush_stdin(self) -> None:
        fd = self.stdin_fd
        if fd is None:  # dropped meanwhile
            return
        try:
            while self.stdin_buffer:
                written = os.write(fd, self.stdin_buffer)
                del self.stdin_buffer[:written]
        except BlockingIOError:
            self.loop.add_writer(fd, self._flush_stdin)
            return
        except OSError:                       # EPIPE: nobody reads stdin any more
            self.stdin_buffer.clear()
            if self.tty:
                self.loop.remove_writer(self.stdin_fd)
                self._stdin_drained()
            else:
                self._drop_stdin()
            return
        if self.stdin_fd is not None:
            self.loop.remove_writer(self.stdin_fd)
        if self.stdin_closing:
            self._drop_stdin()
        self._stdin_drained()

    def _stdin_drained(self) -> None:
        for session in list(self.sessions):
            session.stdin_drained()

    def _drop_stdin(self) -> None:
        fd, self.stdin_fd = self.stdin_fd, None
        self.stdin_buffer.clear()
        if fd is not None and not self.tty:
            self.loop.forget(fd)
            os.close(fd)
        self._stdin_drained()

    # exit -----------------------------------------------------------------
    def on_exit(self, wait_status: int) -> None:
        oom = self.oom_probe.oom_killed() if self.oom_probe else False
        self.exit = ExitStatus(exit_code_of(wait_status), time.time_ns(), oom)
        if not self.tty:
            self._drop_stdin()
        self.loop.call_later(DRAIN_GRACE, self._force_finish)
        self._maybe_finish()

    def _force_finish(self) -> None:
        """EOF may never come (a daemonized grandchild holds the pipe): stop reading once the
        output has been idle for DRAIN_GRACE, but never while it still flows or is paused for a
        slow reader (the exited process's last megabytes are still in the pipe then)."""
        idle = time.monotonic() - self.last_output
        if self.outputs and (self.paused or idle < DRAIN_GRACE):
            self.loop.call_later(DRAIN_GRACE - idle if not self.paused else DRAIN_GRACE, self._force_finish)
            return
        for stream in list(self.outputs):
            self._close_output(stream)
        self._maybe_finish()

    def _maybe_finish(self) -> None:
        if self.finished or self.finishing or self.exit is None or self.outputs:
            return
        self.finishing = True
        if self.stdin_fd is not None and not self.tty:
            self._drop_stdin()
        log, self.log = self.log, None
        if log is None:
            self._finish()
        elif self.log_at_exit_optional:
            self._finish()
            self.log = log                    # written on until shutdown abandons it
            log.close(time.time_ns(), lambda: setattr(self, "log", None))
        else:
            log.close(time.time_ns(), self._finish)

    def _finish(self) -> None:
        self.finished = True
        for session in list(self.sessions):
            session.end(self.exit)
        self.sessions.clear()
        for waiter in self.waiters:
            waiter(self.exit)
        self.waiters.clear()
        for callback in self.on_finished:    # after the replies: recording fsyncs
            callback(self)

    def wait(self, callback) -> None:
        if self.finished:
            callback(self.exit)
        else:
            self.waiters.append(callback)

    def abandon(self) -> None:
        """Close every fd (shim shutting down); a log still being written stops where it is."""
        if self.log is not None:
            self.log.abandon()
            self.log = None
        for stream in list(self.outputs):
            fd = self.outputs.pop(stream)
            self.loop.forget(fd)
            os.close(fd)
        if self.stdin_fd is not None and not self.tty:
            self._drop_stdin()
        self.stdin_fd = None
