"""Exec as docker-py drives it, pinned to dockerd 20.10's answers (docker-py's own suite)."""

import base64
import socket
import time

import pytest

from dockyard.wire.stdcopy import HEADER

pytestmark = pytest.mark.root

SCRIPT = "echo out; echo err >&2"


@pytest.fixture
def cat(busybox):
    api = busybox.client().api
    container = api.create_container("busybox", "cat", stdin_open=True)
    api.start(container)
    yield api, container["Id"]
    api.remove_container(container, force=True)


def test_the_start_requests_tty_decides_the_framing_not_the_execs(cat):
    api, container = cat
    tty_exec = api.exec_create(container, ["sh", "-c", SCRIPT], tty=True)
    # docker-py sends Tty: false unless told: a TTY's output then comes in stdout frames
    assert api.exec_start(tty_exec, demux=True) == (b"out\r\nerr\r\n", None)
    assert api.exec_start(api.exec_create(container, ["sh", "-c", SCRIPT], tty=True), tty=True) == b"out\r\nerr\r\n"
    # a raw stream of a process without a TTY carries its stdout only
    assert api.exec_start(api.exec_create(container, ["sh", "-c", SCRIPT]), tty=True) == b"out\n"
    raw = api.exec_start(api.exec_create(container, ["printf", "yay"], tty=True), socket=True)._sock
    raw.settimeout(10)
    assert HEADER.unpack(_read_exactly(raw, HEADER.size)) == (1, 3) and _read_exactly(raw, 3) == b"yay"
    raw.close()


def test_only_the_streams_asked_for_are_attached(cat):
    api, container = cat
    for stdout, stderr, expected in ((False, False, (None, None)), (True, False, (b"out\n", None)),
                                     (False, True, (None, b"err\n"))):
        exec_id = api.exec_create(container, ["sh", "-c", SCRIPT], stdout=stdout, stderr=stderr)
        info = api.exec_inspect(exec_id)
        assert (info["OpenStdout"], info["OpenStderr"]) == (stdout, stderr)
        assert api.exec_start(exec_id, demux=True) == expected


def test_output_waits_until_the_client_has_read_the_101(busybox, cat):
    """docker-py reads the 101's head through a buffer whose surplus it drops: an exec's output
    must not arrive before the client has read the head, however late it reads it."""
    api, container = cat
    exec_id = api.exec_create(container, ["echo", "hi"])
    with socket.socket(socket.AF_UNIX) as sock:
        sock.connect(str(busybox.socket))
        body = b'{"Detach":false,"Tty":false}'
        sock.sendall(b"POST /v1.44/exec/%s/start HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\n"
                     b"Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: %d\r\n\r\n%s"
                     % (exec_id["Id"].encode(), len(body), body))
        time.sleep(0.3)               # the process has long written its output by now
        sock.settimeout(10)
        head = sock.recv(65536)
        assert head.startswith(b"HTTP/1.1 101") and head.endswith(b"\r\n\r\n"), head
        assert _read_exactly(sock, HEADER.size + 3) == HEADER.pack(1, 3) + b"hi\n"
        assert sock.recv(65536) == b""    # the stream ends once the exit is known (the CLI then asks)
    assert api.exec_inspect(exec_id)["ExitCode"] == 0


def test_detach_keys_given_in_any_case_and_the_default_ones_let_the_client_go(cat):
    api, container = cat
    api._general_configs["detachKeys"] = "ctrl-x"   # docker-py sends them as `detachKeys`
    exec_id = api.exec_create(container, "cat", stdin=True, tty=True)
    info = api.exec_inspect(exec_id)
    assert info["DetachKeys"] == base64.b64encode(b"\x18").decode() and "user" not in info["ProcessConfig"]
    _assert_detaches(api.exec_start(exec_id, tty=True, socket=True)._sock, [b"\x18"])
    del api._general_configs["detachKeys"]
    exec_id = api.exec_create(container, "cat", stdin=True, tty=True)
    assert api.exec_inspect(exec_id)["DetachKeys"] == ""
    _assert_detaches(api.exec_start(exec_id, tty=True, socket=True)._sock, [b"\x10", b"\x11"])
    import docker
    with pytest.raises(docker.errors.APIError) as bad:
        api.exec_create(container, "cat", detach_keys="ctrl-xx")
    assert bad.value.status_code == 400 and "Invalid escape keys (ctrl-xx) provided" in str(bad.value)


def _assert_detaches(sock: socket.socket, keys: list[bytes]) -> None:
    sock.settimeout(10)
    sock.sendall(b"hi\n")
    assert b"hi" in sock.recv(100)
    for key in keys:
        sock.sendall(key)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:   # the daemon closes the connection (then sends fail or read EOF)
        try:
            sock.sendall(b"more\n")
            if sock.recv(100) == b"":
                break
        except OSError:
            break
    else:
        raise AssertionError("still attached after the detach keys")
    sock.close()


def _read_exactly(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        assert chunk, f"EOF after {data!r}"
        data += chunk
    return data
