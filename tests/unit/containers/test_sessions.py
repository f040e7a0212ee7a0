"""LateSession: what an attach made before start keeps until the process exists."""

import asyncio
import os
import socket


class RecordingSession:
    """The shim's session as the late one sees it: stdin calls recorded, output given."""

    def __init__(self, output):
        self.output, self.calls = output, []

    async def write_stdin(self, data):
        self.calls.append(("stdin", data))

    async def close_stdin(self):
        self.calls.append(("close",))

    def close(self):
        self.calls.append(("closed",))

    async def __aiter__(self):
        for item in self.output:
            yield item


def _run(coro):
    return asyncio.run(coro())


def test_stdin_sent_before_start_reaches_the_process_in_order_then_output_flows():
    from dockyard.containers.sessions import LateSession

    async def scenario():
        late = LateSession(stdin=True, stdout=True, stderr=False)
        await late.write_stdin(b"a")
        await late.write_stdin(b"b")
        await late.close_stdin()
        real = RecordingSession([(1, b"out")])
        await late.bind(real)
        return [item async for item in late], real.calls, late.waiting

    output, calls, waiting = _run(scenario)
    assert output == [(1, b"out")]
    assert calls == [("stdin", b"a"), ("stdin", b"b"), ("close",)]
    assert waiting is False


def test_the_client_socket_is_kept_as_a_copy_until_released_and_abandon_releases_it():
    from dockyard.containers.sessions import LateSession

    async def scenario():
        late = LateSession(stdin=False, stdout=True, stderr=True)
        client, daemon_end = socket.socketpair()
        late.send_output_to(daemon_end.fileno())
        daemon_end.close()                       # the connection's own fd may go first
        os.write(late.output_fd, b"still the client's socket")
        seen = client.recv(100)
        copy = late.output_fd
        late.abandon()
        try:
            os.fstat(copy)
            closed = False
        except OSError:
            closed = True
        after_abandon = LateSession(stdin=False, stdout=True, stderr=True)
        after_abandon.abandon()
        after_abandon.send_output_to(client.fileno())   # too late: the session is over
        client.close()
        items = [item async for item in late]
        return seen, closed, late.output_fd, after_abandon.output_fd, items

    seen, closed, fd, late_fd, items = _run(scenario)
    assert seen == b"still the client's socket"
    assert closed and fd is None and late_fd is None
    assert items == []
