"""The docker CLI's own floor for a command: the same command against a server that answers from
memory, with the bytes a daemon sent for it (recorded once through a proxy). What the command
takes there is the CLI (start, request, parsing, output) and the socket, with no daemon work.

    python -m bench.replay --host unix:///path/d.sock [-n 10] -- ps
    python -m bench.replay --host unix:///path/d.sock --host unix:///other/d.sock -n 10 -- ps -a

    python -m bench.replay --host unix:///path/d.sock -n 10 -- run --rm busybox true

Prints the median wall time of the command against each daemon and against the replaying server
(interleaved). An upgraded connection (attach, exec start) is replayed as the daemon sent it,
then closed; a command must end by itself (not `logs -f`, `events`), and what it creates is
created once, while recording (a replayed `run` answers with the recorded container's ID).
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

Key = tuple[bytes, bytes]          # (method, target)


def _read_head(stream) -> bytes:
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        line = stream.readline()
        if not line:
            return b""
        head += line
    return head


def _header(head: bytes, name: bytes) -> bytes | None:
    for line in head.split(b"\r\n")[1:]:
        key, _, value = line.partition(b":")
        if key.strip().lower() == name:
            return value.strip()
    return None


def _read_body(stream, head: bytes, sink=None) -> bytes:
    """The message body by Content-Length or chunked framing, framing kept; each piece is also
    handed to `sink` as it arrives (a chunked answer's head comes long before its end: `wait`)."""
    sink = sink or (lambda piece: None)
    length = _header(head, b"content-length")
    if length is not None:
        body = stream.read(int(length))
        sink(body)
        return body
    if (_header(head, b"transfer-encoding") or b"").lower() != b"chunked":
        return b""
    body = b""
    while True:
        size_line = stream.readline()
        size = int(size_line.split(b";")[0], 16)
        piece = size_line + stream.read(size + 2)
        sink(piece)
        body += piece
        if size == 0:
            return body


def _request_key(head: bytes) -> Key:
    method, target, _ = head.split(b" ", 2)
    return method, target


def _upgraded(answer: bytes) -> bool:
    return answer.startswith(b"HTTP/1.1 101")


class _Server:
    """A unix-socket HTTP/1.1 server, one thread per connection; `answer(head, body, conn)`
    sends the answer and says whether the connection goes on (not after an upgrade)."""

    def __init__(self, path: str, answer):
        self.path, self.answer = path, answer
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.bind(path)
        self.sock.listen(64)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn, conn.makefile("rb") as stream:
            while True:
                head = _read_head(stream)
                if not head or not self.answer(head, _read_body(stream, head), conn):
                    return

    def close(self) -> None:
        self.sock.close()
        os.unlink(self.path)


class Recorder(_Server):
    """Forwards each request to the daemon on a connection of its own, keeps each answer. An
    upgraded connection (attach, exec start) is kept whole: its head at once (the CLI waits for
    it before it starts the container), then what the daemon sends until it closes."""

    def __init__(self, path: str, upstream: str):
        self.upstream, self.answers = upstream, {}
        super().__init__(path, self._forward)

    def _forward(self, head: bytes, body: bytes, conn: socket.socket) -> bool:
        with socket.socket(socket.AF_UNIX) as up, up.makefile("rb") as stream:
            up.connect(self.upstream)
            up.sendall(head + body)
            answer = _read_head(stream)

            def send(piece: bytes) -> None:   # the CLI may leave before the end (wait's last chunk)
                try:
                    conn.sendall(piece)
                except OSError:
                    pass

            send(answer)                  # at once: the CLI starts a container once wait's head is in
            if _upgraded(answer):
                while chunk := stream.read1(1 << 16):
                    send(chunk)
                    answer += chunk
            elif not head.startswith(b"HEAD "):
                answer += _read_body(stream, answer, send)
        self.answers[_request_key(head)] = answer
        return not _upgraded(answer)


class Replayer(_Server):
    def __init__(self, path: str, answers: dict[Key, bytes]):
        self.answers = answers
        super().__init__(path, self._answer)

    def _answer(self, head: bytes, body: bytes, conn: socket.socket) -> bool:
        answer = self.answers.get(_request_key(head), b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
        conn.sendall(answer)
        return not _upgraded(answer)


def _docker(host: str, words: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(["docker", "-H", host, *words], check=True, stdout=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def record(upstream: str, words: list[str], env: dict[str, str], sock_path: str) -> dict[Key, bytes]:
    """The answers a daemon (unix://SOCKET) gives `docker WORDS`, recorded through a proxy at sock_path."""
    recorder = Recorder(sock_path, upstream.removeprefix("unix://"))
    try:
        _docker(f"unix://{recorder.path}", words, env)
    finally:
        recorder.close()
    return recorder.answers


def timed_against(replayer: Replayer, words: list[str], env: dict[str, str]) -> float:
    return _docker(f"unix://{replayer.path}", words, env)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.replay", description=__doc__.splitlines()[0])
    parser.add_argument("--host", action="append", required=True, help="unix://SOCKET of a daemon (repeatable)")
    parser.add_argument("-n", type=int, default=10, help="timed runs against each")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    words = args.command[1:] if args.command[:1] == ["--"] else args.command
    work = Path(tempfile.mkdtemp(prefix="dockyard-replay-"))
    env = {**os.environ, "DOCKER_CONFIG": str(work / "config")}
    os.mkdir(work / "config")
    answers = record(args.host[0], words, env, str(work / "record.sock"))
    replayer = Replayer(str(work / "replay.sock"), answers)
    hosts = [*args.host, f"unix://{replayer.path}"]
    times: dict[str, list[float]] = {host: [] for host in hosts}
    try:
        for host in hosts:
            _docker(host, words, env)                       # warm-up
        for _ in range(args.n):
            for host in hosts:
                times[host].append(_docker(host, words, env))
    finally:
        replayer.close()
        shutil.rmtree(work)
    sizes = sum(len(answer) for answer in answers.values())
    print(f"docker {' '.join(words)}: {len(answers)} requests, {sizes} bytes of answers; "
          f"load {os.getloadavg()[0]:.1f}")
    for host in hosts:
        label = "replay from memory" if host.endswith("replay.sock") else host
        print(f"  {label}: median {statistics.median(times[host]) * 1000:.0f} ms "
              f"(min {min(times[host]) * 1000:.0f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
