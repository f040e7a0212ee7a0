"""bench.replay: the answers recorded through the proxy are replayed byte for byte, per request."""

import socket
import threading

import pytest

from bench.replay import Recorder, Replayer

PING = b"HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Length: 2\r\n\r\n"   # HEAD: no body
LIST = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 9\r\n\r\n[{\"a\":1}]"
CHUNKED = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"


def _daemon(path: str, answers: dict[bytes, bytes]) -> socket.socket:
    """A fake daemon: one answer per request line, the connection closed after it."""
    server = socket.socket(socket.AF_UNIX)
    server.bind(path)
    server.listen(8)

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                head = b""
                while b"\r\n\r\n" not in head:
                    head += conn.recv(4096)
                conn.sendall(answers[head.split(b"\r\n")[0]])

    threading.Thread(target=serve, daemon=True).start()
    return server


def _ask(path: str, *requests: bytes) -> list[bytes]:
    """Requests on one keep-alive connection; each answer read by its length."""
    answers = []
    with socket.socket(socket.AF_UNIX) as sock, sock.makefile("rb") as stream:
        sock.connect(path)
        for request in requests:
            sock.sendall(request)
            head = b""
            while not head.endswith(b"\r\n\r\n"):
                head += stream.readline()
            if b"chunked" in head:
                body = b""
                while not body.endswith(b"0\r\n\r\n"):
                    body += stream.readline()
            else:
                length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0]) if b"Content-Length" in head else 0
                body = b"" if request.startswith(b"HEAD") else stream.read(length)
            answers.append(head + body)
    return answers


@pytest.fixture
def daemon(tmp_path):
    path = str(tmp_path / "d.sock")
    server = _daemon(path, {b"HEAD /_ping HTTP/1.1": PING,
                            b"GET /v1.41/containers/json HTTP/1.1": LIST,
                            b"GET /v1.41/events HTTP/1.1": CHUNKED})
    yield path
    server.close()


def test_recorded_answers_are_replayed_byte_for_byte(daemon, tmp_path):
    recorder = Recorder(str(tmp_path / "record.sock"), daemon)
    ping = b"HEAD /_ping HTTP/1.1\r\nHost: x\r\n\r\n"
    listing = b"GET /v1.41/containers/json HTTP/1.1\r\nHost: x\r\n\r\n"
    chunked = b"GET /v1.41/events HTTP/1.1\r\nHost: x\r\n\r\n"
    recorded = _ask(recorder.path, ping, listing, chunked)
    recorder.close()
    assert recorded == [PING, LIST, CHUNKED]

    replayer = Replayer(str(tmp_path / "replay.sock"), recorder.answers)
    try:
        assert _ask(replayer.path, ping, listing, chunked) == recorded
        assert _ask(replayer.path, b"GET /v1.41/images/json HTTP/1.1\r\nHost: x\r\n\r\n")[0].startswith(
            b"HTTP/1.1 404")
    finally:
        replayer.close()
