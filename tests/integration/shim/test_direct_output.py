"""Output written by the shim straight to a client's socket (passed with the attach request)."""

import asyncio
import signal
import socket

import pytest

from dockyard import errors
from dockyard.wire.stdcopy import Demultiplexer
from tests.integration.shim.harness import run
from tests.integration.shim.test_exec_and_restart import exec_process

pytestmark = pytest.mark.root


def _client_pair() -> tuple[socket.socket, socket.socket]:
    """(the API client's end, the daemon's end that the shim gets a copy of)."""
    client, daemon_end = socket.socketpair()
    client.setblocking(False)
    return client, daemon_end


async def _read_to_eof(sock: socket.socket) -> bytes:
    data = bytearray()
    while chunk := await asyncio.get_running_loop().sock_recv(sock, 65536):
        data += chunk
    return bytes(data)


def _already_received(sock: socket.socket) -> tuple[bytes, bool]:
    """What the socket holds right now, and whether its end (EOF) is among it."""
    data = bytearray()
    while True:
        try:
            chunk = sock.recv(65536)
        except BlockingIOError:
            return bytes(data), False
        if not chunk:
            return bytes(data), True
        data += chunk


def _by_stream(framed: bytes) -> dict[int, bytes]:
    streams: dict[int, bytes] = {}
    for stream, payload in Demultiplexer().feed(framed):
        streams[stream] = streams.get(stream, b"") + payload
    return streams


def test_output_goes_to_the_client_in_dockers_framing_and_the_end_follows_it(shim_env):
    async def scenario(launcher):
        shim = await shim_env.launch(launcher, ["sh", "-c", "echo hello; echo oops >&2; exit 3"], name="framed")
        client, daemon_end = _client_pair()
        with daemon_end:
            session = await shim.attach(stdin=False, stdout=True, stderr=True, output_fd=daemon_end.fileno())
        await shim.start()
        through_daemon = [item async for item in session]
        received, ended = _already_received(client)   # before END, the shim let go of the socket
        client.close()
        await shim.shutdown()
        return through_daemon, received, ended, session.exit_status

    through_daemon, received, ended, status = run(scenario)
    assert through_daemon == []
    assert _by_stream(received) == {1: b"hello\n", 2: b"oops\n"}
    assert ended and status.code == 3
    assert [e["log"] for e in shim_env.log_entries("framed")] == ["hello\n", "oops\n"]


def test_a_tty_is_raw_and_only_wanted_streams_are_sent(shim_env):
    async def scenario(launcher):
        tty = await shim_env.launch(launcher, ["sh", "-c", "echo hi"], tty=True, name="raw")
        quiet = await shim_env.launch(launcher, ["sh", "-c", "echo out; echo err >&2"], name="stderr-only")
        received = []
        for shim, wanted in ((tty, dict(stdout=True, stderr=True)), (quiet, dict(stdout=False, stderr=True))):
            client, daemon_end = _client_pair()
            with daemon_end:
                session = await shim.attach(stdin=False, **wanted, output_fd=daemon_end.fileno())
            await shim.start()
            received.append(await _read_to_eof(client))
            assert [item async for item in session] == []
            client.close()
            await shim.shutdown()
        return received

    tty_bytes, stderr_only = run(scenario)
    assert tty_bytes == b"hi\r\n"
    assert _by_stream(stderr_only) == {2: b"err\n"}


def test_a_client_that_goes_away_ends_the_session_and_the_container_runs_on(shim_env):
    async def scenario(launcher):
        shim = await shim_env.launch(launcher, ["yes"], name="gone")
        client, daemon_end = _client_pair()
        with daemon_end:
            session = await shim.attach(stdin=False, stdout=True, stderr=True, output_fd=daemon_end.fileno())
        await shim.start()
        first = await asyncio.get_running_loop().sock_recv(client, 4096)
        client.close()
        leftover = [item async for item in session]       # ends: the shim dropped the session
        info = await shim.info()
        await shim.kill(signal.SIGKILL)
        await shim.wait()
        await shim.shutdown()
        return first, leftover, session.exit_status, info["status"]

    first, leftover, status, state = run(scenario)
    assert first.startswith(bytes([1, 0, 0, 0]))         # a stdout frame header
    assert leftover == [] and status is None
    assert state == "running"


def test_an_exec_writes_to_the_client_and_its_end_carries_the_exit_code(shim_env):
    async def scenario(launcher):
        shim = await shim_env.launch(launcher, ["sleep", "1000"], name="exec-direct")
        await shim.start()
        client, daemon_end = _client_pair()
        with daemon_end:
            _, session = await shim.exec_attached("d1", exec_process(["sh", "-c", "echo from exec; exit 4"]),
                                                  tty=False, open_stdin=False, output_fd=daemon_end.fileno())
        through_daemon = [item async for item in session]
        received, ended = _already_received(client)
        client.close()
        refused, daemon_end = _client_pair()
        with daemon_end, pytest.raises(errors.InvalidArgument):
            await shim.exec_attached("d2", exec_process(["/nope"]), tty=False, open_stdin=False,
                                     output_fd=daemon_end.fileno())
        unused = await _read_to_eof(refused)           # the refused exec closed its copy
        refused.close()
        await shim.shutdown()
        return through_daemon, received, ended, session.exit_status.code, unused

    through_daemon, received, ended, code, unused = run(scenario)
    assert through_daemon == [] and ended and code == 4
    assert _by_stream(received) == {1: b"from exec\n"}
    assert unused == b""
