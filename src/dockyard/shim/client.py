"""Daemon side of the shims (asyncio): per-container clients (launcher.py forks the shims).

    shim = await launcher.launch(container_id=cid, state_dir=exec_root / "containers" / cid,
        bundle=bundle_dir, runtime=RuntimeChoice.builtin(exec_root / "runtime")  # or
        # RuntimeChoice.oci("/usr/sbin/runc", exec_root / "runc"),
        tty=False, open_stdin=False, log_path=container_dir / f"{cid}-json.log",  # None: no log
        log_opts={"max-size": "10m"}, console_size=None)      # returns once `create` finished
    session = await shim.attach(stdin=False, stdout=True, stderr=True)   # attach before start
    await shim.start()
    async for stream, data in session: ...     # (1|2, bytes) until the init exited and drained
    status = await shim.wait()                 # ExitStatus(code, finished_at_ns, oom_killed)
    await shim.shutdown()                      # runtime delete; the shim exits

After a daemon restart: `await ShimClient.connect(state_dir)` (None if the shim is gone; then
`ShimClient.exit_status(state_dir)` still reads the recorded status, if the init had exited).

Errors: create/start/exec refused by the runtime -> InvalidArgument with the runtime's text
("OCI runtime create failed: ... executable file not found in $PATH: unknown"); start twice ->
NotModified; kill/pause/exec when the init has exited -> Conflict; unknown exec id -> NotFound;
the shim not running -> ShimGone (an InternalError); bad log opts -> InvalidArgument (call
`parse_log_opts` at container create to fail early).

Each request is its own connection to `<state_dir>/shim.sock` (protocol.py); the shim
outlives the daemon.
"""

import asyncio
import os
import socket
from pathlib import Path
from typing import Sequence

from dockyard import errors
from dockyard.shim import protocol
from dockyard.shim.logopts import LogConfig, parse_log_opts
from dockyard.shim.runtime_cli import RuntimeChoice
from dockyard.shim.status import ExitStatus, read_exit

SOCKET = "shim.sock"
_MAX_SUN_PATH = 107
_STREAM_LIMIT = 1 << 20            # the reader stops reading from the shim at twice this
READ_ALL = 4 * _STREAM_LIMIT       # take all it holds: a partial read moves the rest each time
_ERRORS = {
    "invalid": errors.InvalidArgument, "conflict": errors.Conflict, "notfound": errors.NotFound,
    "notmodified": errors.NotModified,
}

__all__ = ["AttachSession", "ExitStatus", "LogConfig", "RuntimeChoice", "ShimClient", "ShimGone",
           "parse_log_opts"]


class ShimGone(errors.InternalError):
    """The shim of a container is not running any more (its socket refuses connections)."""


async def _open(state_dir: Path, request: dict, fds: list[int]):
    """Connect to the shim socket (through /proc/self/fd when the path is too long for
    sun_path) and send the request, with `fds` attached (SCM_RIGHTS)."""
    loop = asyncio.get_running_loop()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC | socket.SOCK_NONBLOCK)
    try:
        path = state_dir / SOCKET
        if len(os.fsencode(path)) <= _MAX_SUN_PATH:
            await _connect(sock, str(path))
        else:
            dir_fd = os.open(state_dir, os.O_PATH | os.O_CLOEXEC)
            try:
                await _connect(sock, f"/proc/self/fd/{dir_fd}/{SOCKET}")
            finally:
                os.close(dir_fd)
        payload = protocol.encode_json(protocol.REQUEST, request)
        sent = socket.send_fds(sock, [payload], fds) if fds else 0   # a fresh socket takes it whole
        if sent < len(payload):           # (once all is sent, the shim may answer and close at once)
            await loop.sock_sendall(sock, payload[sent:])
        return await asyncio.open_unix_connection(sock=sock, limit=_STREAM_LIMIT)
    except BaseException:
        sock.close()
        raise


async def _connect(sock: socket.socket, path: str) -> None:
    """Connect a non-blocking unix socket, waiting while the shim's accept queue is full.

    A unix socket's connect never is "in progress": it succeeds, or fails with EAGAIN when the
    listener's backlog is full. asyncio's sock_connect takes EAGAIN for "in progress" and reports
    the still unconnected socket as connected (the request then fails with ENOTCONN), which 100
    parallel `docker exec` did to a few percent of them."""
    delay = 0.001
    while True:
        try:
            sock.connect(path)
            return
        except BlockingIOError:
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.05)


class _Frames:
    """Frames read from a stream reader, one at a time."""

    def __init__(self, reader: asyncio.StreamReader):
        self.reader = reader
        self.decoder = protocol.FrameDecoder()
        self.ready: list = []

    async def next(self) -> tuple[int, bytes] | None:
        while not self.ready:
            data = await self.reader.read(READ_ALL)
            if not data:
                return None
            self.ready.extend(self.decoder.feed(data))
        return self.ready.pop(0)


class AttachSession:
    """Output of one process as (stream, data) until it exits; stdin the other way."""

    def __init__(self, reader, writer, frames: _Frames):
        self._writer = writer
        self._frames = frames
        self.exit_status: ExitStatus | None = None     # known once iteration ended with the exit

    def __aiter__(self):
        return self

    async def __anext__(self) -> tuple[int, bytes]:
        frame = await self._frames.next()
        if frame is None:
            raise StopAsyncIteration
        kind, payload = frame
        if kind == protocol.END:
            end = protocol.decode_json(payload)
            self.exit_status = ExitStatus.from_json(end) if end else None
            self.close()
            raise StopAsyncIteration
        return (1 if kind == protocol.STDOUT else 2), payload

    async def write_stdin(self, data: bytes) -> None:
        self._writer.write(protocol.encode(protocol.STDIN, data))
        await self._writer.drain()

    async def close_stdin(self) -> None:
        """EOF to the process's stdin (pipes; a no-op for a TTY, which has no half-close). Once
        the shim has closed the connection the process has ended: there is nothing to close."""
        self._writer.write(protocol.encode(protocol.CLOSE_STDIN))
        try:
            await self._writer.drain()
        except ConnectionError:
            pass

    def close(self) -> None:
        self._writer.close()


def _fds(fd: int | None) -> list[int]:
    return [] if fd is None else [fd]


class ShimClient:
    def __init__(self, state_dir: Path, pid: int):
        self.state_dir = Path(state_dir)
        self.pid = pid                      # the container init's host pid
        self.runtime_create_seconds: float | None = None   # time the runtime's create took (launch only)
        self.status = "created"             # created | running | exited, as `connect` found it

    @classmethod
    async def connect(cls, state_dir: Path) -> "ShimClient | None":
        """Re-adopt a running shim (after a daemon restart); None if it is gone."""
        client = cls(Path(state_dir), 0)
        try:
            info = await client.info()
        except ShimGone:
            return None
        client.pid = int(info["pid"])
        client.status = info["status"]
        return client

    @staticmethod
    def exit_status(state_dir: Path) -> ExitStatus | None:
        """The init's recorded exit status, readable without a live shim.

        The shim writes it (atomically) right after answering live waiters, so after `wait()`
        read it only once `shutdown()` returned; it is there for exits no daemon saw."""
        return read_exit(Path(state_dir))

    # plumbing -------------------------------------------------------------
    async def _connect(self, request: dict, fds: list[int]):
        try:
            return await _open(self.state_dir, request, fds)
        except (FileNotFoundError, ConnectionRefusedError) as err:
            raise ShimGone(f"shim of {self.state_dir.name} is not running: {err.strerror}") from None
        except OSError as err:            # the shim died while taking the request
            raise ShimGone(f"shim of {self.state_dir.name} went away: {err}") from None

    async def _request(self, request: dict, fds: Sequence[int] = ()):
        reader, writer = await self._connect(request, list(fds))
        try:
            frames = _Frames(reader)
            frame = await frames.next()
        except OSError as err:            # the shim died mid-request
            writer.close()
            raise ShimGone(f"shim of {self.state_dir.name} went away: {err}") from None
        except BaseException:             # cancelled: a client went away
            writer.close()
            raise
        if frame is None or frame[0] != protocol.REPLY:
            writer.close()
            raise ShimGone(f"shim of {self.state_dir.name} closed the connection")
        reply = protocol.decode_json(frame[1])
        if "error" in reply:
            writer.close()
            raise _ERRORS.get(reply.get("kind"), errors.InternalError)(reply["error"])
        return reply, reader, writer, frames

    async def _call(self, op: str, **fields) -> dict:
        reply, _, writer, _ = await self._request({"op": op, **fields})
        writer.close()
        return reply

    # container ------------------------------------------------------------
    async def info(self) -> dict:
        """{"pid", "tty", "status": created|running|exited, "exit": ExitStatus json|None, "execs": {...}}"""
        return await self._call("info")

    async def start(self) -> None:
        await self._call("start")

    async def attach(self, stdin: bool, stdout: bool, stderr: bool, *, exec_id: str | None = None,
                     output_fd: int | None = None) -> AttachSession:
        """output_fd: the client's socket, for the shim to write the output to directly (Docker's
        framing); the session then yields nothing and ends with the process."""
        _, reader, writer, frames = await self._request(
            {"op": "attach", "exec_id": exec_id, "stdin": stdin, "stdout": stdout, "stderr": stderr,
             "direct": output_fd is not None}, _fds(output_fd))
        return AttachSession(reader, writer, frames)

    async def resize(self, height: int, width: int) -> None:
        await self._call("resize", height=height, width=width)

    async def kill(self, signal: int, *, exec_id: str | None = None) -> None:
        await self._call("kill", signal=int(signal), exec_id=exec_id)

    async def sync_log(self) -> None:
        """Return once what the container has written so far is in its json-file log."""
        await self._call("sync_log")

    async def pause(self) -> None:
        """runtime pause (cgroup freezer)."""
        await self._call("pause")

    async def resume(self) -> None:
        await self._call("resume")

    async def wait(self) -> ExitStatus:
        return ExitStatus.from_json(await self._call("wait"))

    async def shutdown(self) -> None:
        """runtime delete (killing a live init), remove the socket; the shim then exits."""
        await self._call("shutdown")

    # exec -----------------------------------------------------------------
    async def exec(self, exec_id: str, process: dict, tty: bool, open_stdin: bool,
                   console_size: tuple[int, int] | None = None) -> int:
        """Start `process` (an OCI process object) in the container; returns its host pid.

        Output produced before the first attach_exec is kept (up to 1 MiB) for it."""
        reply = await self._call("exec", exec_id=exec_id, process=process, tty=tty, open_stdin=open_stdin,
                                 console_size=list(console_size) if console_size else None)
        return int(reply["pid"])

    async def exec_attached(self, exec_id: str, process: dict, tty: bool, open_stdin: bool,
                            console_size: tuple[int, int] | None = None,
                            output_fd: int | None = None, framed: bool | None = None,
                            streams: tuple[bool, bool] = (True, True)) -> tuple[int, AttachSession]:
        """exec and attach_exec (stdin if open_stdin, the (stdout, stderr) `streams` wanted) in one
        request: one round trip fewer, and the session's exit_status carries the exit code, so no
        wait_exec is needed. output_fd as for attach; framed: whether the shim frames what it
        writes there (default: unless tty)."""
        reply, reader, writer, frames = await self._request(
            {"op": "exec", "exec_id": exec_id, "process": process, "tty": tty, "open_stdin": open_stdin,
             "console_size": list(console_size) if console_size else None,
             "attach": {"stdin": open_stdin, "stdout": streams[0], "stderr": streams[1],
                        "direct": output_fd is not None,
                        "framed": (not tty) if framed is None else framed}},
            _fds(output_fd))
        return int(reply["pid"]), AttachSession(reader, writer, frames)

    async def attach_exec(self, exec_id: str, stdin: bool, stdout: bool, stderr: bool) -> AttachSession:
        return await self.attach(stdin, stdout, stderr, exec_id=exec_id)

    async def resize_exec(self, exec_id: str, height: int, width: int) -> None:
        await self._call("resize", exec_id=exec_id, height=height, width=width)

    async def reopen_log(self) -> None:
        """A CRI log moved aside by the kubelet: the shim writes to a new file at its path."""
        await self._call("reopen_log")

    async def wait_exec(self, exec_id: str) -> int:
        """The exec's exit code; available until a minute after it finished (then NotFound)."""
        return ExitStatus.from_json(await self._call("wait", exec_id=exec_id)).code
