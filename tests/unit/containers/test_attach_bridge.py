"""The bridge between a client's raw stream and a process session, at the edges of its life."""

import asyncio

from dockyard.containers.attach import bridge


class Client:
    def __init__(self, stdin: list[bytes]):
        self.stdin, self.written = list(stdin), []

    async def read(self, n: int = 65536) -> bytes:
        await asyncio.sleep(0)
        return self.stdin.pop(0) if self.stdin else b""

    async def write(self, data: bytes) -> None:
        self.written.append(data)

    def output_fd(self):
        return None


class EndedSession:
    """A process that has just exited: its stdin is gone, its last output and exit still come."""

    def __init__(self):
        self.output = [(1, b"bye\n")]
        self.closed = False

    def __aiter__(self):
        return self

    async def __anext__(self):
        await asyncio.sleep(0.01)
        if not self.output:
            raise StopAsyncIteration
        return self.output.pop(0)

    async def write_stdin(self, data: bytes) -> None:
        raise ConnectionResetError("Connection lost")

    async def close_stdin(self) -> None:
        raise ConnectionResetError("Connection lost")

    def close(self) -> None:
        self.closed = True


def test_stdin_racing_the_exit_of_the_process_does_not_lose_its_end():
    """`docker exec -it` whose terminal sends a byte as the process exits: the shim has closed
    the session's stdin side; the output and the exit code (which the CLI reads next) must
    still arrive, not an error that drops them."""
    client, session = Client([b"\x04"]), EndedSession()
    asyncio.run(bridge(client, session, tty=True, stdin=True, close_stdin_on_eof=True, detach_keys=b"\x10\x11"))
    assert client.written == [b"bye\n"] and session.closed
