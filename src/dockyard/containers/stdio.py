"""A container's stdio as clients reach it: attach sessions, resize, and logs."""

from dockyard.containers.attach import bridge
from dockyard.containers.logs import LogQuery, stream_logs
from dockyard.containers.model import Container
from dockyard.containers.sessions import LateSession
from dockyard.errors import Conflict, NotImplementedYet


class LateSessions:
    """Attach sessions waiting for their container's next start."""

    def __init__(self):
        self._waiting: dict[str, list[LateSession]] = {}

    def add(self, container_id: str) -> LateSession:
        session = LateSession()
        self._waiting.setdefault(container_id, []).append(session)
        return session

    async def bind_all(self, container_id: str, shim) -> None:
        for session in self._waiting.pop(container_id, []):
            if session.waiting:
                await session.bind(await shim.attach(stdin=True, stdout=True, stderr=True))

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
        """The hijacked session of `POST /containers/{id}/attach`."""
        stdin = stdin and bool(container.config.get("OpenStdin"))
        shim = self._watcher.shim_of(container.id)
        if shim is None:
            session = self._late.add(container.id)
        else:
            session = await shim.attach(stdin=stdin, stdout=stdout, stderr=stderr)
        self._emit(container, "attach")

        async def run(client) -> None:
            try:
                await bridge(client, _Selected(session, stdout, stderr), tty=container.tty, stdin=stdin,
                             close_stdin_on_eof=bool(container.config.get("StdinOnce")),
                             detach_keys=detach_keys)
            finally:
                client.close()

        return run

    async def resize(self, container: Container, height: int, width: int) -> None:
        shim = self._watcher.shim_of(container.id)
        if shim is None:
            raise Conflict(f"Container {container.id} is not running")
        await shim.resize(height, width)

    def logs(self, container: Container, query: LogQuery):
        """(stream, bytes) pairs from the json-file log, following while the container runs."""
        if not container.log_path:
            raise NotImplementedYet("configured logging driver does not support reading")
        running = lambda: self._watcher.shim_of(container.id) is not None  # noqa: E731
        return stream_logs(container.log_path, query, running)


class _Selected:
    """A session's output limited to the streams the client asked for."""

    def __init__(self, session, stdout: bool, stderr: bool):
        self._session = session
        self._wanted = {1} if stdout and not stderr else {2} if stderr and not stdout else {1, 2}

    async def __aiter__(self):
        async for stream, data in self._session:
            if stream in self._wanted:
                yield stream, data

    async def write_stdin(self, data: bytes) -> None:
        await self._session.write_stdin(data)

    async def close_stdin(self) -> None:
        await self._session.close_stdin()

    def close(self) -> None:
        self._session.close()
