"""A container's shim, inside a shim host: creates the container through the runtime, then
serves its socket until shutdown.

Files in the state dir (the working directory of its callbacks, so socket paths stay short):
  shim.sock     requests (see protocol.py)         init.pid   the container init's pid
  exit.json     the init's ExitStatus (atomic)     shim.log   the shim's own diagnostics
  *.log         one runtime JSON log per invocation
"""

import os
import socket
import time
from collections.abc import Callable
from pathlib import Path

from dockyard.shim import birth, jsonlog
from dockyard.shim.backends import INIT_PID, RuntimeVerbFailed, backend_for
from dockyard.shim.connection import AttachSession, Connection
from dockyard.shim.container_loop import ContainerLoop
from dockyard.shim.crilog import CriLogWriter
from dockyard.shim.direct import DirectSession
from dockyard.shim.logopts import LogConfig
from dockyard.shim.logthread import BackgroundLog
from dockyard.shim.oom import OomProbe
from dockyard.shim.runtime_cli import RuntimeChoice
from dockyard.shim.spawn import keep_large_buffers_in_heap, resize_pty
from dockyard.shim.status import EXIT_FILE, record_exit
from dockyard.shim.stdio import StdioProcess
from dockyard.shim.streams import ProcessStdio, make_stdio

SOCKET = "shim.sock"
SHUTDOWN_FLUSH = 30.0                 # seconds a shutting-down shim keeps sending to slow attach clients
EXEC_RECORD_TTL = 60.0                # seconds a finished exec stays for wait_exec / a late attach
LISTEN_BACKLOG = 4096                 # capped by net.core.somaxconn; a burst of execs waits, not fails


class CreateFailed(Exception):
    """The runtime refused to create the container; str() is the message for the user."""


class RequestFailed(Exception):
    """A request cannot be done; `kind` names the dockyard.errors class the client raises."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


class Shim:
    """One container's keeper inside a shim host: born (begin), serves its socket, leaves."""

    def __init__(self, config: dict, loop: ContainerLoop, on_gone: Callable[[], None]):
        self.config = config
        self.loop = loop
        self.on_gone = on_gone                 # the host forgets the container (it left or never came)
        self.state_dir = Path(config["state_dir"])
        self.runtime = backend_for(RuntimeChoice.from_json(config["runtime"]), config["container_id"], loop,
                                   config.get("warm"))
        self.tty = bool(config["tty"])
        self.connections: set[Connection] = set()
        self.init: StdioProcess                # made by create()
        self.started = False
        self.starting = False
        self.execs: dict[str, StdioProcess] = {}
        self.listener: socket.socket           # bound by create()
        self.heap_tuned = False

    # birth ----------------------------------------------------------------
    def begin(self, report: socket.socket) -> None:
        """Wait (on the loop) for the daemon's go, then create the container and report."""
        birth.await_go(self.loop, report, lambda go: self._born(report) if go else self._aborted(report))

    def _aborted(self, report: socket.socket) -> None:
        """The daemon's start failed (or it died) before its go: nothing was made."""
        self._remove_files(["shim.pid"])
        report.close()
        self.on_gone()

    def _born(self, report: socket.socket) -> None:
        started = time.monotonic()
        try:
            pid = self.create()
        except CreateFailed as err:
            self._unmade([SOCKET, "shim.pid"])
            birth.report(report, {"error": str(err)})
            return
        except Exception as err:
            self._unmade([])
            birth.report(report, {"error": f"shim: {err!r}"})
            raise
        birth.report(report, {"pid": pid, "create_s": time.monotonic() - started})
        self.listener.setblocking(False)
        self.loop.add_reader(self.listener.fileno(), self._accept)

    def _unmade(self, files: list[str]) -> None:
        self._let_go()
        self._remove_files(files)
        self.on_gone()

    # create ---------------------------------------------------------------
    def create(self) -> int:
        """Run `runtime create` (blocking) and take over the init's stdio; returns its pid."""
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
        if os.path.lexists(SOCKET):
            os.unlink(SOCKET)
        self.listener.bind(SOCKET)
        self.listener.listen(LISTEN_BACKLOG)
        self._remove_files([EXIT_FILE])   # a restarted container's state dir has its last exit
        log = self._open_log()            # a bad log path fails before anything exists
        stdio = make_stdio(self.tty, bool(self.config["open_stdin"]), "console.sock")
        try:
            pid = self.runtime.create(self.config["bundle"], stdio)
        except RuntimeVerbFailed as err:
            stdio.abandon()
            raise CreateFailed(str(err)) from None
        try:
            stdio.take_console(self.config.get("console_size"))
        except OSError as err:
            stdio.abandon()
            self.runtime.delete()
            raise CreateFailed(f"no console from the runtime: {err}") from None
        self.init = StdioProcess(self.loop, tty=self.tty, stdin_fd=stdio.stdin, outputs=stdio.outputs, log=log,
                                 log_at_exit_optional=bool(self.config.get("auto_remove")))
        self.init.pid = pid
        self.init.oom_probe = OomProbe.for_pid(pid)
        self.init.on_bulk_output = self._bulk_output
        self.init.on_finished.append(self._record_exit)
        self.loop.watch_child(pid, self.init.on_exit)
        return pid

    def _record_exit(self, process: StdioProcess) -> None:
        if process.exit is not None:  # always, once finished
            record_exit(self.state_dir, process.exit)

    def _open_log(self):
        path = self.config.get("log_path")
        if not path:
            return None
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if self.config.get("log_format") == "cri":
            return BackgroundLog(CriLogWriter(path), self.loop)
        config = LogConfig.from_json(self.config["log_config"])
        return BackgroundLog(jsonlog.JsonLogWriter(jsonlog.RotatingFile(path, config)), self.loop)

    # serving --------------------------------------------------------------
    def _accept(self) -> None:
        try:
            sock, _ = self.listener.accept()
        except BlockingIOError:
            return
        self.connections.add(Connection(self.loop, sock, self._dispatch))

    def _dispatch(self, conn: Connection, request: dict) -> None:
        handler = getattr(self, f"op_{request.get('op', '')}", None)
        if handler is None:
            conn.reply_error(f"unknown shim operation {request.get('op')!r}")
            return
        try:
            handler(conn, request)
        except RequestFailed as err:
            conn.reply_error(str(err), kind=err.kind)
        except (KeyError, TypeError, ValueError) as err:
            conn.reply_error(f"bad {request.get('op')} request: {err!r}")
        except OSError as err:
            conn.reply_error(f"{request.get('op')} failed: {err}")

    def _process(self, request: dict) -> StdioProcess:
        exec_id = request.get("exec_id")
        if not exec_id:
            return self.init
        process = self.execs.get(exec_id)
        if process is None:
            raise RequestFailed("notfound", f"no such exec: {exec_id}")
        return process

    # operations -----------------------------------------------------------
    def op_info(self, conn: Connection, request: dict) -> None:
        execs = {key: {"pid": p.pid, "exit": p.exit.to_json() if p.finished and p.exit else None}
                 for key, p in self.execs.items()}
        status = "exited" if self.init.exit else "running" if self.started else "created"
        conn.reply(pid=self.init.pid, tty=self.tty, status=status, execs=execs,
                   exit=self.init.exit.to_json() if self.init.finished and self.init.exit else None)
        conn.finish()

    def op_start(self, conn: Connection, request: dict) -> None:
        if self.started or self.starting:
            raise RequestFailed("notmodified", "container already started")
        if self.init.exit is not None:
            raise RequestFailed("conflict", "container has already exited")
        self.starting = True

        def started(error: str | None) -> None:
            self.starting = False
            if error:
                conn.reply_error(error, kind="invalid")
            else:
                self.started = True
                conn.reply()
                conn.finish()

        self.runtime.start(started)

    def op_sync_log(self, conn: Connection, request: dict) -> None:
        def done() -> None:
            conn.reply()
            conn.finish()

        self.init.sync_log(done)

    def op_pause(self, conn: Connection, request: dict) -> None:
        self._pause_or_resume(conn, self.runtime.pause)

    def op_resume(self, conn: Connection, request: dict) -> None:
        self._pause_or_resume(conn, self.runtime.resume)

    def _pause_or_resume(self, conn: Connection, verb) -> None:
        if self.init.exit is not None:
            raise RequestFailed("conflict", f"container {self.config['container_id']} is not running")

        verb(_replied_when_done(conn))

    def op_attach(self, conn: Connection, request: dict) -> None:
        process = self._process(request)
        conn.reply()
        self._attach(conn, process, request, _client_fd(conn, request))

    @staticmethod
    def _attach(conn: Connection, process: StdioProcess, wanted: dict, client_fd: int | None) -> None:
        streams = {s for s, name in ((1, "stdout"), (2, "stderr")) if wanted.get(name)}
        stdin = bool(wanted.get("stdin"))
        if client_fd is None:
            process.add_session(AttachSession(conn, process, streams, stdin))
        else:                             # output to the client's socket, passed with the request
            framed = wanted.get("framed", not process.tty)
            process.add_session(DirectSession(conn, process, streams, stdin, client_fd, framed))

    def op_resize(self, conn: Connection, request: dict) -> None:
        process = self._process(request)
        if process.tty and process.stdin_fd is not None:
            resize_pty(process.stdin_fd, int(request["height"]), int(request["width"]))
        conn.reply()
        conn.finish()

    def op_kill(self, conn: Connection, request: dict) -> None:
        process = self._process(request)
        if process.exit is not None or not process.pid:
            raise RequestFailed("conflict", f"container {self.config['container_id']} is not running")
        os.kill(process.pid, int(request["signal"]))
        conn.reply()
        conn.finish()

    def op_reopen_log(self, conn: Connection, request: dict) -> None:
        """The kubelet rotated a CRI log: write to a new file at its path from now on."""
        if self.init.log is None or not hasattr(self.init.log.writer, "reopen"):
            raise RequestFailed("invalid", "the container's log cannot be reopened")
        if self.init.exit is not None:
            raise RequestFailed("conflict", f"container {self.config['container_id']} is not running")

        self.init.log.reopen(_replied_when_done(conn))

    def op_wait(self, conn: Connection, request: dict) -> None:
        def exited(status) -> None:
            conn.reply(**status.to_json())
            conn.finish()

        self._process(request).wait(exited)

    def op_exec(self, conn: Connection, request: dict) -> None:
        exec_id = str(request["exec_id"])
        if exec_id in self.execs or "/" in exec_id:
            raise RequestFailed("conflict", f"exec {exec_id} already exists")
        if self.init.exit is not None:
            raise RequestFailed("conflict", f"container {self.config['container_id']} is not running")
        tty = bool(request.get("tty"))
        process_spec = dict(request["process"], terminal=tty)
        if tty and request.get("console_size"):
            height, width = request["console_size"]
            process_spec["consoleSize"] = {"height": height, "width": width}
        stdio = make_stdio(tty, bool(request.get("open_stdin")), f"exec-{exec_id}.sock")
        attach = request.get("attach")
        client_fd = _client_fd(conn, attach) if attach else None
        self.runtime.exec(exec_id, process_spec, stdio,
                          lambda error, pid: self._exec_started(conn, exec_id, request, stdio, error, pid, client_fd))

    def _exec_started(self, conn, exec_id, request, stdio: ProcessStdio, error, pid, client_fd) -> None:
        kind = "invalid"                  # the runtime refused the process
        if not error:
            try:
                stdio.take_console(request.get("console_size"))
            except OSError as err:
                error, kind = f"exec {exec_id}: no console from the runtime: {err}", "internal"
        if error:
            stdio.abandon()
            if client_fd is not None:
                os.close(client_fd)
            conn.reply_error(error, kind=kind)
            return
        attach = request.get("attach")
        process = StdioProcess(self.loop, tty=stdio.tty, stdin_fd=stdio.stdin, outputs=stdio.outputs,
                               keep_early_output=not attach)
        process.pid = pid
        process.on_bulk_output = self._bulk_output
        process.on_finished.append(lambda _: self.loop.call_later(EXEC_RECORD_TTL, lambda: self._forget_exec(exec_id)))
        self.execs[exec_id] = process
        self.loop.watch_child(pid, process.on_exit)
        conn.reply(pid=pid)
        if attach:                        # this connection becomes the exec's attach stream
            self._attach(conn, process, attach, client_fd)
        else:
            conn.finish()

    def _bulk_output(self) -> None:
        """A process streams: keep its large buffers in the heap from now on (once per shim;
        quiet containers keep glibc's defaults, which give memory back sooner)."""
        if not self.heap_tuned:
            self.heap_tuned = True
            keep_large_buffers_in_heap()

    def _forget_exec(self, exec_id: str) -> None:
        """Finished execs (health checks run every few seconds) must not pile up."""
        process = self.execs.get(exec_id)
        if process is not None and process.finished and not process.sessions:
            del self.execs[exec_id]

    @staticmethod
    def _remove_files(names) -> None:
        for name in names:
            try:
                os.unlink(name)
            except FileNotFoundError:
                pass

    def op_shutdown(self, conn: Connection, request: dict) -> None:
        """runtime delete (kills a live init), then exit once the reply is out.

        If delete fails the shim stays, so that the daemon can retry."""
        error = self.runtime.delete()
        self.loop.reap()
        if error:
            conn.reply_error(error)
            return
        self._let_go()
        self._remove_files([SOCKET, INIT_PID, "shim.pid"])
        conn.sock.setblocking(True)       # the reply must be out before the process exits
        conn.reply()
        conn.finish()
        self._stop_when_sent(time.monotonic() + SHUTDOWN_FLUSH)

    def vanished(self) -> None:
        """The state dir was removed under the container (container_loop.py): let go of it all."""
        self._let_go()
        for conn in self.connections:
            conn.close()
        self.on_gone()

    def _let_go(self) -> None:
        """Close the processes' stdio and the socket: the container is no longer served.
        (Either may not exist yet: a create that failed made neither or only the socket.)"""
        for process in [getattr(self, "init", None), *self.execs.values()]:
            if process is not None:
                process.abandon()
        listener = getattr(self, "listener", None)
        if listener is not None:
            self.loop.forget(listener.fileno())
            listener.close()

    def _stop_when_sent(self, deadline: float) -> None:
        """Exit once attach clients have been sent what they are owed (a `run --rm` client
        may still be megabytes behind when the daemon asks for shutdown), or at the deadline."""
        self.connections = {c for c in self.connections if not c.closed}
        if not any(c.busy for c in self.connections) or time.monotonic() > deadline:
            for conn in self.connections:
                conn.close()
            self.on_gone()
            return
        self.loop.call_later(0.01, lambda: self._stop_when_sent(deadline))


def _client_fd(conn: Connection, wanted: dict) -> int | None:
    """The client's socket passed with an attach that asked for direct output."""
    return conn.take_fd() if wanted.get("direct") else None


def _replied_when_done(conn: Connection) -> Callable[[str | None], None]:
    """A callback for work that ends later: the reply (or the error) goes out then."""
    def done(error: str | None) -> None:
        if error:
            conn.reply_error(error)
        else:
            conn.reply()
            conn.finish()
    return done
