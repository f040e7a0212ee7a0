"""The foundation as users meet it: docker version/info/events, raw HTTP, daemon life cycle."""

import json
import signal
import socket
import subprocess

import pytest

from tests.support.daemon import Daemon

pytestmark = pytest.mark.root


def raw(daemon, request: bytes) -> bytes:
    with socket.socket(socket.AF_UNIX) as sock:
        sock.connect(str(daemon.socket))
        sock.sendall(request)
        sock.settimeout(5)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
        return data


def test_docker_version_shows_the_server(daemon):
    out = daemon.docker("version").stdout
    assert "Server: dockyard" in out and "API version:       1.44" in out
    fmt = daemon.docker("version", "--format", "{{.Server.APIVersion}}").stdout.strip()
    assert fmt == "1.44"


def test_docker_info_prints(daemon):
    result = daemon.docker("info")
    assert "Server Version: 0.1.0" in result.stdout and "Cgroup Driver: cgroupfs" in result.stdout
    assert daemon.docker("info", "--format", "{{.DockerRootDir}}").stdout.strip() == str(daemon.data_root)


def test_docker_events_since_until_returns(daemon):
    result = daemon.docker("events", "--since", "1m", "--until", "0s", timeout=10)
    assert result.returncode == 0


def test_unknown_endpoint_is_404_json(daemon):
    reply = raw(daemon, b"GET /v1.41/nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 404") and b"Content-Type: application/json" in head
    assert json.loads(body) == {"message": "page not found"}


def test_too_new_version_is_refused_as_the_cli_expects(daemon):
    env = {**daemon.env, "DOCKER_API_VERSION": "1.50"}
    result = subprocess.run(["docker", "version"], env=env, capture_output=True, text=True)
    assert "client version 1.50 is too new. Maximum supported API version is 1.44" in result.stderr


def test_older_clients_negotiate_down(daemon):
    env = {**daemon.env, "DOCKER_API_VERSION": "1.41"}
    result = subprocess.run(["docker", "info", "--format", "{{.OSType}}"], env=env, capture_output=True, text=True)
    assert result.stdout.strip() == "linux", result.stderr


def test_docker_py_connects(daemon):
    client = daemon.client()
    assert client.version()["ApiVersion"] == "1.44"
    assert client.ping() is True


def test_our_cli(daemon):
    assert "ApiVersion:" in daemon.dockyard("version").stdout
    assert daemon.dockyard("info", "--format", "{{.OSType}}").stdout.strip() == "linux"


def test_second_daemon_on_same_roots_refuses(daemon, tmp_path):
    clash = Daemon(daemon.base, "shared")
    clash.socket = tmp_path / "other.sock"
    with pytest.raises(RuntimeError, match="in use by another dockyardd"):
        clash.start(timeout=10)
    assert daemon.docker("version").returncode == 0


def test_two_daemons_side_by_side_and_sigterm(fresh_daemon, tmp_path):
    other = Daemon(tmp_path, "second").start()
    fresh_daemon.start()
    try:
        assert other.docker("info", "--format", "{{.DockerRootDir}}").stdout.strip() == str(other.data_root)
        assert fresh_daemon.docker("info", "--format", "{{.DockerRootDir}}").stdout.strip() == str(fresh_daemon.data_root)
    finally:
        assert other.stop(signal.SIGINT) == 0
    assert not other.socket.exists()
    assert fresh_daemon.stop(signal.SIGTERM) == 0
