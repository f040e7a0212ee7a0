"""A stand-in Engine API on a unix socket that records what the real docker CLI sends, so our CLI's
request bodies can be compared with Docker's own (no daemon, no root)."""

from __future__ import annotations

import json
import os
import shutil
import socketserver
import subprocess
import threading
from pathlib import Path

_ANSWERS = {
    ("POST", "/containers/create"): (201, {"Id": "c0ffee", "Warnings": []}),
    ("GET", "/containers/box/json"): (200, {"Id": "box", "State": {"Running": True}, "Config": {"Tty": False}}),
    ("POST", "/containers/box/exec"): (201, {"Id": "e1"}),
    ("POST", "/exec/e1/start"): (200, None),
    ("POST", "/networks/create"): (201, {"Id": "n1", "Warning": ""}),
}


class _Handler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        while True:
            line = self.rfile.readline().decode()
            if not line:
                return
            method, target, _ = line.split(" ", 2)
            headers = {}
            while (header := self.rfile.readline().decode().strip()):
                key, _, value = header.partition(":")
                headers[key.lower()] = value.strip()
            body = self.rfile.read(int(headers.get("content-length", 0) or 0))
            path = target.split("?", 1)[0]
            path = "/" + path.split("/", 2)[2] if path.startswith("/v1.") else path
            self.server.requests.append((method, path, json.loads(body) if body else None))
            self.wfile.write(_response(method, path))


def _response(method: str, path: str) -> bytes:
    if path == "/_ping":
        return b"HTTP/1.1 200 OK\r\nApi-Version: 1.44\r\nOstype: linux\r\nContent-Length: 0\r\n\r\n"
    status, body = _ANSWERS.get((method, path), (404, {"message": f"no such thing: {path}"}))
    data = json.dumps(body).encode() if body is not None else b""
    head = f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
    return head.encode() + data


class _Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    requests: list


class DockerCapture:
    """`capture(*args)` runs `docker <args>` against the stand-in and returns the bodies it sent."""

    def __init__(self, directory: Path):
        self.socket = directory / "capture.sock"
        self.server = _Server(str(self.socket), _Handler)
        self.server.requests = []
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def capture(self, *args: str) -> list[tuple[str, str, object]]:
        self.server.requests.clear()
        env = {**os.environ, "DOCKER_HOST": f"unix://{self.socket}",
               "DOCKER_CONFIG": str(self.socket.parent / "docker-config")}
        subprocess.run(["docker", *args], env=env, capture_output=True, timeout=30, stdin=subprocess.DEVNULL)
        return list(self.server.requests)

    def body(self, method: str, path: str, *args: str):
        for sent_method, sent_path, body in self.capture(*args):
            if (sent_method, sent_path) == (method, path):
                return body
        raise AssertionError(f"docker {' '.join(args)} sent no {method} {path}")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def docker_available() -> bool:
    return shutil.which("docker") is not None


def meaningful(value):
    """The value without Docker's zero fields (None, "", 0, False, empty lists and maps), recursively."""
    if isinstance(value, dict):
        kept = {k: meaningful(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v not in (None, "", 0, False, [], {})}
    if isinstance(value, list):
        return [meaningful(v) for v in value]
    return value
