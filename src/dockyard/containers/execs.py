"""`docker exec`: extra processes in a running container, run by its shim."""

import asyncio
import base64
import json
import logging
import os
from dataclasses import dataclass

from dockyard.containers.attach import DEFAULT_DETACH_KEYS, bridge, parse_detach_keys
from dockyard.containers.users import user_in_root
from dockyard.errors import Conflict, DockyardError, InvalidArgument, NotFound
from dockyard.wire.stdcopy import frame

log = logging.getLogger(__name__)

_DEFAULT_KEYS = parse_detach_keys(DEFAULT_DETACH_KEYS)
_KEPT_PROCESSES = 256
_HEAD_READ_TIMEOUT = 1.0              # seconds a client may take to read the 101 (shim.direct: the same)


@dataclass
class ExecRecord:
    id: str
    container_id: str
    config: dict
    running: bool = False
    exit_code: int | None = None
    pid: int = 0
    detach_keys: bytes = b""          # as the create request gave them; empty: the default ones

    @property
    def tty(self) -> bool:
        return bool(self.config.get("Tty"))

    @property
    def streams(self) -> tuple[bool, bool]:
        """(stdout, stderr): attached only when asked, as dockerd."""
        return bool(self.config.get("AttachStdout")), bool(self.config.get("AttachStderr"))

    @property
    def argv(self) -> list[str]:
        return list(self.config.get("Cmd") or [])


class ExecService:
    def __init__(self, registry, watcher, runner, emit):
        self._registry, self._watcher, self._runner, self._emit = registry, watcher, runner, emit
        self._execs: dict[str, ExecRecord] = {}
        self._reaping: set[asyncio.Task] = set()  # detached execs' waits, held: asyncio keeps tasks only weakly
        self._processes: dict[str, tuple[tuple, dict]] = {}   # container id -> (config.json version, process)

    def ids_for(self, container_id: str) -> list[str]:
        return [e.id for e in self._execs.values() if e.container_id == container_id and e.exit_code is None]

    def get(self, exec_id: str) -> ExecRecord:
        record = self._execs.get(exec_id)
        if record is None:
            raise NotFound(f"No such exec instance: {exec_id}")
        return record

    def create(self, ref: str, body: dict) -> str:
        container = self._registry.get(ref)
        config = dict(body)               # the API edge decoded it: ExecConfig's names, any case
        if not config.get("Cmd"):
            raise InvalidArgument("No exec command specified")
        if container.state.status != "running":
            raise Conflict(f"Container {container.id} is not running")
        try:
            keys = parse_detach_keys(config["DetachKeys"]) if config.get("DetachKeys") else b""
        except InvalidArgument:  # dockerd answers 500 with this text; a bad request is a 400 here
            raise InvalidArgument(f"Invalid escape keys ({config['DetachKeys']}) provided") from None
        record = ExecRecord(os.urandom(32).hex(), container.id, config, detach_keys=keys)
        self._execs[record.id] = record
        self._emit(container, "exec_create: " + " ".join(record.argv) + " ", execID=record.id)
        return record.id

    async def start(self, exec_id: str, detach: bool, console_size: list[int] | None, framed: bool | None = None):
        """Detached: starts the process now and returns None. Otherwise returns the session to
        run once the connection is hijacked. Its output goes to the client only once the client
        has read the 101 (docker-py loses bytes that arrive with the 101's head; an exec starts
        in ~1 ms): the shim holds it until then, or we do when it passes through us. `framed`: whether output goes
        in stdcopy frames; dockerd takes it from the start request's `Tty` (docker-py sends False
        unless told), not from the exec's TTY."""
        record = self.get(exec_id)
        if record.running or record.exit_code is not None:
            raise Conflict(f"Error: Exec command {exec_id} has already run")
        container = self._registry.get(record.container_id)
        shim = self._watcher.shim_of(container.id)
        if shim is None or container.state.status != "running":
            raise Conflict(f"Container {container.id} is not running")
        record.running = True
        framed = not record.tty if framed is None else framed
        if detach:
            await self._launch(record, container, shim, console_size)
            return None

        async def run(client) -> None:
            session = None
            try:
                stdin = bool(record.config.get("AttachStdin"))
                output_fd = client.output_fd()
                if output_fd is None:         # we write its output: not before the client read the 101
                    await client.until_read(_HEAD_READ_TIMEOUT)     # (the shim waits so itself)
                try:
                    session = await self._launch(record, container, shim, console_size, attach=True,
                                                 output_fd=output_fd, framed=framed)
                except DockyardError as err:
                    text = err.message.encode()
                    await client.until_read(_HEAD_READ_TIMEOUT)
                    await client.write(frame(2, text + b"\n") if framed else text + b"\r\n")
                    return
                try:
                    await bridge(client, session, tty=record.tty, stdin=stdin, close_stdin_on_eof=True,
                                 detach_keys=record.detach_keys or _DEFAULT_KEYS, framed=framed)
                except ConnectionError:
                    # a write to the shim (stdin's end) met its close after END: asyncio drops the
                    # connection with the write's error, unread END and all; the shim still knows
                    # the exit status, which the CLI reads as soon as its stream ends
                    if record.running:
                        await self._reap(record, shim, container)
            finally:
                if session is not None and session.exit_status is not None:
                    # as dockerd: the exit code is recorded before the client sees the stream end
                    # (the CLI inspects the exec at once for its own exit status)
                    self._exited(record, container, session.exit_status.code, ending=client.close)
                client.close()
            if session is not None and record.running:
                await self._reap(record, shim, container)   # the client detached: the process runs on

        return run

    async def _launch(self, record: ExecRecord, container, shim, console_size, attach: bool = False,
                      output_fd: int | None = None, framed: bool | None = None):
        """Start the process; attached, the shim's session of its output (stdin too if the exec
        has it), whose end carries the exit code; with output_fd the shim writes the output to
        that socket itself. Detached, a task reaps it."""
        process = self._process(container, record, console_size)
        size = tuple(console_size) if console_size and any(console_size) else None
        open_stdin = bool(record.config.get("AttachStdin"))
        session = None
        try:
            if attach:
                stdout, stderr = record.streams
                if framed is False and not record.tty:
                    stderr = False        # dockerd: a raw stream carries stdout only
                record.pid, session = await shim.exec_attached(record.id, process, record.tty, open_stdin, size,
                                                                output_fd, framed, (stdout, stderr))
            else:
                record.pid = await shim.exec(record.id, process, record.tty, open_stdin, size)
        except DockyardError as err:
            record.running = False
            record.exit_code = 127 if "not found" in err.message or "no such file" in err.message else 126
            raise
        except BaseException:  # the shim connection broke, or we were cancelled: never leave it "running"
            log.warning("exec %s could not start", record.id[:12], exc_info=True)
            record.running, record.exit_code = False, 126
            raise
        self._emit(container, "exec_start: " + " ".join(record.argv) + " ", execID=record.id)
        if session is None:
            task = asyncio.ensure_future(self._reap(record, shim, container))
            self._reaping.add(task)
            task.add_done_callback(self._reaping.discard)
        return session

    async def _finish(self, record: ExecRecord, session, shim, container) -> int:
        """Once an attached session ended: its exit code, or (client gone first) the shim's."""
        if session.exit_status is None:
            return await self._reap(record, shim, container)
        return self._exited(record, container, session.exit_status.code)

    async def run_probe(self, container, argv: list[str], timeout: float) -> tuple[int | None, str]:
        """A health probe: run `argv` like an exec, collect its output, kill it at the timeout."""
        if self._watcher.shim_of(container.id) is None:
            return -1, "container is not running"
        try:
            code, chunks = await self._run_collected(container, argv, timeout)
        except asyncio.TimeoutError:
            return -1, f"Health check exceeded timeout ({timeout:g}s)"
        except DockyardError as err:
            return -1, err.message
        return code, b"".join(data for _, data in chunks).decode(errors="replace")

    async def run_captured(self, container, argv: list[str], timeout: float | None) -> tuple[int, bytes, bytes]:
        """Run `argv` like an exec: (exit code, stdout, stderr). At the timeout the process is
        killed and asyncio.TimeoutError raised (the CRI's ExecSync)."""
        code, chunks = await self._run_collected(container, argv, timeout)
        stdout, stderr = (b"".join(data for stream, data in chunks if stream == wanted) for wanted in (1, 2))
        return code, stdout, stderr

    async def _run_collected(self, container, argv: list[str],
                             timeout: float | None) -> tuple[int, list[tuple[int, bytes]]]:
        shim = self._watcher.shim_of(container.id)
        if shim is None:
            raise Conflict(f"container {container.id} is not running")
        record = ExecRecord(os.urandom(32).hex(), container.id, {"Cmd": argv, "AttachStdout": True,
                                                                  "AttachStderr": True})
        self._execs[record.id] = record
        try:
            session = await self._launch(record, container, shim, None, attach=True)
            try:
                chunks = await asyncio.wait_for(_collect(session), timeout)
            except asyncio.TimeoutError:
                session.close()
                await _quietly(shim.kill(9, exec_id=record.id))
                raise
            return await self._finish(record, session, shim, container), chunks
        finally:
            self._execs.pop(record.id, None)

    async def open_session(self, container, argv: list[str], tty: bool, stdin: bool) -> tuple[ExecRecord, object]:
        """An exec whose output (and stdin) the caller bridges itself (the CRI's streaming
        server); `close_session` once its output ended gives the exit code."""
        shim = self._watcher.shim_of(container.id)
        if shim is None or container.state.status != "running":
            raise Conflict(f"container {container.id} is not running")
        record = ExecRecord(os.urandom(32).hex(), container.id, {"Cmd": argv, "Tty": tty, "AttachStdin": stdin,
                                                                  "AttachStdout": True, "AttachStderr": True})
        self._execs[record.id] = record
        record.running = True
        try:
            session = await self._launch(record, container, shim, None, attach=True)
        except BaseException:
            self._execs.pop(record.id, None)
            raise
        return record, session

    async def close_session(self, record: ExecRecord, session, container, kill: bool = False) -> int:
        """kill: the client went away before the process ended; it ends with it (as in containerd)."""
        try:
            session.close()
            shim = self._watcher.shim_of(container.id)
            if session.exit_status is None and shim is None:
                return 137                    # the container (and the exec with it) is gone
            if session.exit_status is None and kill:
                await _quietly(shim.kill(9, exec_id=record.id))
            return await self._finish(record, session, shim, container)
        finally:
            self._execs.pop(record.id, None)

    async def _reap(self, record: ExecRecord, shim, container) -> int:
        try:
            code = await shim.wait_exec(record.id)
        except Exception:
            code = 126
        return self._exited(record, container, code)

    def _exited(self, record: ExecRecord, container, code: int, ending=None) -> int:
        """ending: what ends the client's stream, called once the code is recorded and before
        the event is written (the CLI waits for that end, then inspects the exec)."""
        record.exit_code = code
        record.running = False
        if ending is not None:
            ending()
        self._emit(container, "exec_die", execID=record.id, exitCode=str(code))
        return code

    async def resize(self, exec_id: str, height: int, width: int) -> None:
        record = self.get(exec_id)
        shim = self._watcher.shim_of(record.container_id)
        if shim is None or not record.running:
            raise Conflict(f"Exec {exec_id} is not running")
        await shim.resize_exec(record.id, height, width)

    def inspect(self, exec_id: str) -> dict:
        r = self.get(exec_id)
        return {
            "ID": r.id, "Running": r.running, "ExitCode": r.exit_code, "CanRemove": False,
            "ContainerID": r.container_id, "DetachKeys": base64.b64encode(r.detach_keys).decode(), "Pid": r.pid,
            "OpenStdin": bool(r.config.get("AttachStdin")), "OpenStdout": r.streams[0], "OpenStderr": r.streams[1],
            "ProcessConfig": {"tty": r.tty, "entrypoint": r.argv[0], "arguments": r.argv[1:],
                              "privileged": bool(r.config.get("Privileged")),
                              **({"user": r.config["User"]} if r.config.get("User") else {})},
        }

    def _container_process(self, container_id: str) -> dict:
        """The process of the container's running spec, read again only once its bundle's
        config.json changed (each start writes it anew)."""
        path = self._runner.state_dir(container_id) / "bundle" / "config.json"
        stat = os.stat(path)
        version = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        known = self._processes.get(container_id)
        if known is None or known[0] != version:
            if len(self._processes) >= _KEPT_PROCESSES:     # removed containers' entries go too
                self._processes.clear()
            known = self._processes[container_id] = (version, json.loads(path.read_bytes())["process"])
        return known[1]

    def _process(self, container, record: ExecRecord, console_size) -> dict:
        """The container's own process spec with the exec's command, env, user and cwd."""
        own = self._container_process(container.id)
        process = dict(own)
        process["args"] = record.argv
        process["terminal"] = record.tty
        env = list(process.get("env") or [])
        for item in record.config.get("Env") or []:
            key = item.split("=", 1)[0]
            env = [e for e in env if e.split("=", 1)[0] != key] + [item]
        process["env"] = env
        if record.config.get("WorkingDir"):
            process["cwd"] = record.config["WorkingDir"]
        if record.config.get("User"):
            user = user_in_root(str(self._runner.rootfs(container.id)), record.config["User"])
            process["user"] = {"uid": user.uid, "gid": user.gid, "additionalGids": user.additional_gids}
        if record.config.get("Privileged"):    # every capability, as dockerd: the host's bounding set
            process["capabilities"] = dict.fromkeys(("bounding", "effective", "permitted"),
                                                    self._runner.host_capabilities)
        if console_size and any(console_size):
            process["consoleSize"] = {"height": console_size[0], "width": console_size[1]}
        return process


async def _collect(session) -> list[tuple[int, bytes]]:
    return [chunk async for chunk in session]


async def _quietly(coroutine) -> None:
    try:
        await coroutine
    except DockyardError:
        pass
