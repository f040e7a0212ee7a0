"""The foundation as users meet it: docker version/info/events, raw HTTP, daemon life cycle."""

import json
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests.support.busybox import import_busybox
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


def test_docker_events_since_until_returns_the_window(daemon):
    """A bounded `docker events` returns (it does not follow) with the events of its window only."""
    before = daemon.docker("network", "create", "events-before").stdout.strip()
    time.sleep(1.1)                                        # the CLI's --since has second precision here
    start = _event_second(daemon, "events-before")         # the event's own time: under load it can
    inside = daemon.docker("network", "create", "events-inside").stdout.strip()   # fall in the second
    time.sleep(1.1)                                                                # after the record's
    end = _event_second(daemon, "events-inside")
    daemon.docker("network", "create", "events-after")
    try:
        window = daemon.docker("events", "--since", str(start + 1), "--until", str(end + 1),
                               "--filter", "type=network", "--format", "{{.Action}} {{.Actor.ID}}", timeout=10)
        assert window.stdout.split("\n")[:-1] == [f"create {inside}"] and before not in window.stdout
        everything = daemon.docker("events", "--since", "1m", "--until", "0s", "--filter", "type=network",
                                   "--format", "{{.Action}} {{.Actor.Attributes.name}}", timeout=10).stdout
        assert {"create events-before", "create events-inside"} <= set(everything.splitlines())   # until: whole seconds
    finally:
        daemon.docker("network", "rm", "events-before", "events-inside", "events-after")


def _event_second(daemon, network: str) -> int:
    """The whole second of a network's create event, at least a second ago (the CLI's --since
    and --until take whole seconds)."""
    shown = daemon.docker("events", "--since", "1m", "--until", "0s", "--filter", f"network={network}",
                          "--filter", "event=create", "--format", "{{.Time}}", timeout=10).stdout.split()
    assert len(shown) == 1, shown
    return int(shown[0])


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
    assert daemon.docker("version", "-f", "{{.Server.APIVersion}}").stdout == "1.44\n"   # still serving


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


def test_events_since_survive_a_restart(fresh_daemon):
    import time
    from tests.support.busybox import import_busybox

    fresh_daemon.start()
    since = str(int(time.time()) - 1)
    import_busybox(fresh_daemon)
    fresh_daemon.docker("tag", "busybox", "busybox:again")
    fresh_daemon.stop()
    fresh_daemon.start()
    out = fresh_daemon.docker("events", "--since", since, "--until", str(int(time.time()) + 1),
                              "--filter", "type=image", "--format", "{{.Action}} {{.Actor.Attributes.name}}").stdout
    assert "tag busybox:again" in out


def test_broken_json_is_400(daemon):
    body = b"{broken"
    reply = raw(daemon, b"POST /v1.44/containers/create HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                        b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
    assert reply.startswith(b"HTTP/1.1 400") and b'"message"' in reply


def test_tls_listener_with_mutual_tls(fresh_daemon, tmp_path):
    """`-H tcp://127.0.0.1:PORT --tlsverify`: the docker CLI with a client certificate gets in,
    one without does not."""
    import socket as sockets
    import subprocess as sp

    certs = tmp_path / "certs"
    certs.mkdir()

    def openssl(*args):
        sp.run(["openssl", *args], cwd=certs, check=True, capture_output=True)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca-key.pem", "-out", "ca.pem",
            "-days", "1", "-subj", "/CN=dockyard-test-ca")
    for name, cn, ext in (("server", "127.0.0.1", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth"),
                          ("client", "client", "extendedKeyUsage=clientAuth")):
        (certs / f"{name}.ext").write_text(ext + "\n")
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}-key.pem", "-out", f"{name}.csr",
                "-subj", f"/CN={cn}")
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem",
                "-CAcreateserial", "-out", f"{name}.pem", "-days", "1", "-extfile", f"{name}.ext")
    with sockets.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    fresh_daemon.extra_args = ("-H", f"tcp://127.0.0.1:{port}", "--tlsverify", "--tlscacert", str(certs / "ca.pem"),
                               "--tlscert", str(certs / "server.pem"), "--tlskey", str(certs / "server-key.pem"))
    fresh_daemon.start()
    (tmp_path / "client").mkdir()
    for src, dst in (("ca.pem", "ca.pem"), ("client.pem", "cert.pem"), ("client-key.pem", "key.pem")):
        (tmp_path / "client" / dst).write_bytes((certs / src).read_bytes())
    env = {**fresh_daemon.env, "DOCKER_HOST": f"tcp://127.0.0.1:{port}", "DOCKER_TLS_VERIFY": "1",
           "DOCKER_CERT_PATH": str(tmp_path / "client")}
    ok = sp.run(["docker", "version", "--format", "{{.Server.Version}}"], env=env, capture_output=True, text=True)
    assert ok.returncode == 0 and ok.stdout.strip() == "0.1.0", ok.stderr
    import_busybox(fresh_daemon)          # output crosses TLS, so the daemon relays it
    run = sp.run(["docker", "run", "--rm", "busybox", "sh", "-c", "echo out; echo err >&2; exit 2"],
                 env=env, capture_output=True, text=True, timeout=60)
    assert (run.returncode, run.stdout, run.stderr) == (2, "out\n", "err\n")
    piped = sp.run(["docker", "run", "-i", "--rm", "busybox", "cat"], input="in\n", env=env,
                   capture_output=True, text=True, timeout=60)
    assert piped.stdout == "in\n", piped.stderr
    sp.run(["docker", "run", "-d", "--name", "tls-exec", "busybox", "sleep", "60"], env=env, check=True, capture_output=True)
    execed = sp.run(["docker", "exec", "tls-exec", "sh", "-c", "echo exec; exit 4"], env=env, capture_output=True,
                    text=True, timeout=60)
    sp.run(["docker", "rm", "-f", "tls-exec"], env=env, capture_output=True)
    assert (execed.returncode, execed.stdout) == (4, "exec\n"), execed.stderr
    (tmp_path / "client" / "cert.pem").unlink()
    (tmp_path / "client" / "key.pem").unlink()
    refused = sp.run(["docker", "--tlsverify", "--tlscacert", str(tmp_path / "client" / "ca.pem"), "version"],
                     env={**env, "DOCKER_CERT_PATH": ""}, capture_output=True, text=True)
    assert refused.returncode != 0


def test_the_daemons_log_driver_and_options_apply_to_containers_that_name_none(fresh_daemon):
    fresh_daemon.extra_args = ("--log-opt", "max-size=2k", "--log-opt", "max-file=2")
    fresh_daemon.start()
    import_busybox(fresh_daemon)
    assert fresh_daemon.docker("info", "--format", "{{.LoggingDriver}}").stdout.strip() == "json-file"
    fresh_daemon.docker("run", "--name", "chatty", "busybox", "sh", "-c", "seq 1 2000")
    log_path = Path(fresh_daemon.docker("inspect", "-f", "{{.LogPath}}", "chatty").stdout.strip())
    options = fresh_daemon.docker("inspect", "-f", "{{json .HostConfig.LogConfig}}", "chatty").stdout
    assert json.loads(options) == {"Type": "json-file", "Config": {"max-size": "2k", "max-file": "2"}}
    kept = sorted(p.name for p in log_path.parent.glob(log_path.name + "*"))
    assert kept == [log_path.name, log_path.name + ".1"]
    assert all((log_path.parent / name).stat().st_size <= 2048 for name in kept)
    assert fresh_daemon.docker("logs", "--tail", "1", "chatty").stdout == "2000\n"


def test_a_daemon_with_log_driver_none_keeps_no_logs_unless_a_container_asks(fresh_daemon):
    fresh_daemon.extra_args = ("--log-driver", "none")
    fresh_daemon.start()
    import_busybox(fresh_daemon)
    fresh_daemon.docker("run", "--name", "quiet", "busybox", "echo", "hi")
    fresh_daemon.docker("run", "--name", "logged", "--log-driver", "json-file", "busybox", "echo", "hi")
    assert fresh_daemon.docker("logs", "quiet", check=False).returncode != 0
    assert fresh_daemon.docker("logs", "logged").stdout == "hi\n"


def test_swarm_routes_answer_as_dockerd_outside_a_swarm(daemon):
    """Clients probe swarm routes (docker-py's network tests leave a swarm in teardown) and expect
    dockerd's 503, not 404; creating a swarm is refused as unsupported."""
    node_ls = daemon.docker("node", "ls", check=False)
    assert node_ls.returncode == 1
    assert 'This node is not a swarm manager. Use "docker swarm init"' in node_ls.stderr
    leave = daemon.docker("swarm", "leave", "--force", check=False)
    assert leave.stderr.strip() == "Error response from daemon: This node is not part of a swarm"
    assert daemon.client().api.leave_swarm(force=True) is True  # docker-py accepts only a 503 here
    init = daemon.docker("swarm", "init", check=False)
    assert init.returncode == 1 and "swarm mode is not supported by dockyard" in init.stderr


def test_a_daemon_stopped_with_streams_open_logs_no_traceback(fresh_daemon):
    d = fresh_daemon.start()
    events = subprocess.Popen(["docker", "events"], env=d.env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        d.docker("network", "create", "stream-marker")               # seen on the open stream
        assert b"stream-marker" in events.stdout.readline()
        assert d.stop() == 0
        assert "Traceback" not in d.log() and "CancelledError" not in d.log()
    finally:
        events.kill()
        events.wait()
