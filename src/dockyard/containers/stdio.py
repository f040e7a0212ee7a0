"""A container's stdio as clients reach it: attach sessions, resize, and logs."""

from dockyard.containers.attach import bridge
from dockyard.containers.logs import LogQuery, stream_logs
from dockyard.containers.model import Container
from dockyard.containers.sessions import LateSession
from dockyard.errors import Conflict, NotImplementedYet
from dockyard.shim.client import ShimGone


class LateSessions:
    """Attach sessions waiting for their container's next start."""

    def __init__(self):
        self._waiting: dict[str, list[LateSession]] = {}

    def add(self, container_id: str, *, stdin: bool = False, stdout: bool = True, stderr: bool = True) -> LateSession:
        session = LateSession(stdin=stdin, stdout=stdout, stderr=stderr)
        self._waiting.setdefault(container_id, []).append(session)
        return session

    async def bind_all(self, container_id: str, shim) -> None:
        for session in self._waiting.pop(container_id, []):
            if session.waiting:
                try:
                    attached = await shim.attach(**session.wanted, output_fd=session.output_fd)
                finally:
                    session.release_output_fd()      # the shim has its own copy now
                await session.bind(attached)

    def abandon_all(self, container_id: str) -> None:
        for session in self._waiting.pop(container_id, []):
            session.abandon()


class ContainerStdio:
    def __init__(self, watcher, late_sessions: LateSessions, emit):
        self._watcher, self._late, self._emit = watcher, late_sessions, emit

    def output_of_next_start(self, container_id: str) -> LateSession:
        """Stdout and stderr of a created container from its next start (a build's RUN step)."""
        return self._late.add(container_id)

    async def prepare_attach(self, container: Container, *, stdin: bool, stdout: bool, stderr: bool,
                             logs: bool, stream: bool, detach_keys: bytes):
        """The hijacked session of `POST /containers/{id}/attach`. Over a plain socket the shim
        writes the output to the client itself; the daemon keeps stdin, detach keys and the end."""
        wanted = {"stdin": stdin and bool(container.config.get("OpenStdin")), "stdout": stdout, "stderr": stderr}
        shim = self._watcher.shim_of(container.id)
        late = self._late.add(container.id, **wanted) if shim is None else None   # bound at start
        self._emit(container, "attach")

        async def run(client) -> None:
            try:
                if late is not None:
                    late.send_output_to(client.output_fd())
                    session = late
                else:
                    session = await shim.attach(**wanted, output_fd=client.output_fd())
                await bridge(client, session, tty=container.tty, stdin=wanted["stdin"],
                             close_stdin_on_eof=bool(container.config.get("StdinOnce")),
                             detach_keys=detach_keys)
            except ShimGone:                  # it exited meanwhile: its stream is over
                pass
            finally:
                client.close()

        return run

    async def resize(self, container: Container, height: int, width: int) -> None:
        shim = self._watcher.shim_of(container.id)
        if shim is None:
            raise Conflict(f"Container {container.id} is not running")
        await shim.resize(height, width)

    async def open_session(self, container: Container, *, stdin: bool, stdout: bool, stderr: bool):
        """The running process's output (and stdin) as a session the caller bridges itself."""
        shim = self._watcher.shim_of(container.id)
        if shim is None:
            raise Conflict(f"container {container.id} is not running")
        self._emit(container, "attach")
        return await shim.attach(stdin=stdin and bool(container.config.get("OpenStdin")), stdout=stdout, stderr=stderr)

    async def reopen_log(self, container: Container) -> None:
        """A CRI log the kubelet moved aside: the shim starts a new file at its path."""
        shim = self._watcher.shim_of(container.id)
        if shim is None:
            raise Conflict(f"Container {container.id} is not running")
        await shim.reopen_log()

    def logs(self, container: Container, query: LogQuery):
        """(stream, bytes) pairs from the json-file log, following while the container runs."""
        if not container.log_path:
            raise NotImplementedYet("configured logging driver does not support reading")
        running = lambda: self._watcher.shim_of(container.id) is not None  # noqa: E731
        return stream_logs(container.log_path, query, running)
