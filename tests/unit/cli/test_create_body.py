"""Our `run`/`create`/`exec`/`network create` bodies equal what the real docker CLI sends."""

import pytest

from dockyard.cli.commands.create_body import build_create_body
from dockyard.cli.commands.exec import exec_body
from dockyard.cli.commands.networks import create_body as network_body
from dockyard.cli.main import parser
from tests.unit.cli.docker_capture import DockerCapture, docker_available, meaningful

pytestmark = pytest.mark.skipif(not docker_available(), reason="the docker CLI is not installed")

ENVIRON = {"FROM_HOST": "yes"}

FLAG_SETS = [
    [],
    ["--name", "web", "-e", "A=1", "-e", "FROM_HOST", "-e", "UNSET_HERE", "-w", "/srv", "-u", "1000:1000"],
    ["-i", "-t", "--rm", "--hostname", "box", "--domainname", "example.org", "--entrypoint", "/bin/sh"],
    ["--entrypoint", ""],
    ["-v", "myvol:/data", "-v", "/anon", "-v", "/host/dir:/in:ro", "--tmpfs", "/scratch:size=1m",
     "--tmpfs", "/t", "--read-only", "--volumes-from", "other"],
    ["--mount", "type=bind,src=/h,dst=/c,readonly", "--mount", "type=volume,source=v1,target=/v,volume-nocopy",
     "--mount", "type=tmpfs,dst=/tm,tmpfs-size=1m,tmpfs-mode=1770"],
    ["-p", "8080:80", "-p", "127.0.0.1::53/udp", "-p", "9000-9001:9000-9001", "-p", "[::1]:8443:443",
     "-p", "7000", "-P", "--expose", "6000-6001", "--expose", "5000/udp"],
    ["-m", "100m", "--memory-swap", "200m", "--memory-reservation", "50m", "--cpus", "1.5", "--cpu-shares", "512",
     "--cpuset-cpus", "0", "--pids-limit", "50", "--shm-size", "1g", "--oom-kill-disable", "--oom-score-adj", "5"],
    ["--cap-add", "net_admin", "--cap-drop", "ALL", "--privileged", "--init", "--security-opt", "no-new-privileges",
     "--sysctl", "net.ipv4.ip_forward=1", "--ulimit", "nofile=10:20", "--ulimit", "nproc=5",
     "--device", "/dev/null", "--device", "/dev/zero:/dev/z:r", "--group-add", "10"],
    ["--label", "a=b", "--label", "c", "--restart", "on-failure:3", "--stop-signal", "TERM", "--stop-timeout", "3",
     "--log-driver", "json-file", "--log-opt", "max-size=1m", "--runtime", "runc"],
    ["--health-cmd", "true", "--health-interval", "5s", "--health-retries", "2", "--health-timeout", "1m30s",
     "--health-start-period", "500ms"],
    ["--no-healthcheck", "--restart", "always"],
    ["--network", "mynet", "--network-alias", "al", "--ip", "10.1.2.3", "--mac-address", "02:42:ac:11:00:02",
     "--dns", "1.1.1.1", "--dns-search", "example.org", "--dns-option", "ndots:2", "--add-host", "a:1.2.3.4"],
    ["--ipc", "host", "--pid", "host", "--uts", "host", "--userns", "host", "--cgroupns", "host"],
    ["-a", "stdout", "-a", "STDIN"],
]


@pytest.fixture(scope="module")
def docker(tmp_path_factory):
    capture = DockerCapture(tmp_path_factory.mktemp("capture"))
    yield capture
    capture.close()


@pytest.mark.parametrize("flags", FLAG_SETS, ids=lambda f: " ".join(f)[:40] or "none")
def test_create_body_matches_docker(docker, flags, monkeypatch):
    for key, value in ENVIRON.items():
        monkeypatch.setenv(key, value)
    theirs = docker.body("POST", "/containers/create", "create", *flags, "busybox", "sh", "-c", "echo hi")
    args = parser().parse_args(["create", *flags, "busybox", "sh", "-c", "echo hi"])
    ours = build_create_body(args, False, ENVIRON, "/", None)
    # docker builds Env and Binds through Go maps: their order varies from run to run
    assert sorted(ours.pop("Env") or []) == sorted(theirs.pop("Env") or [])
    assert sorted(ours["HostConfig"].pop("Binds") or []) == sorted(theirs["HostConfig"].pop("Binds") or [])
    assert meaningful(ours) == meaningful(theirs)


def test_run_detached_body_drops_attach_and_stdin_once(docker):
    theirs = docker.body("POST", "/containers/create", "run", "-d", "-i", "busybox")
    args = parser().parse_args(["run", "-d", "-i", "busybox"])
    ours = build_create_body(args, True, {}, "/", None)
    assert meaningful(ours) == meaningful(theirs)
    assert ours["OpenStdin"] and not ours["StdinOnce"] and not ours["AttachStdout"]


@pytest.mark.parametrize("flags", [[], ["-u", "nobody", "-w", "/tmp", "-e", "A=1", "--privileged", "-t"]])
def test_exec_body_matches_docker(docker, flags):
    theirs = docker.body("POST", "/containers/box/exec", "exec", "-d", *flags, "box", "ls", "-l")
    args = parser().parse_args(["exec", "-d", *flags, "box", "ls", "-l"])
    assert meaningful(exec_body(args, {}, None)) == meaningful(theirs)


@pytest.mark.parametrize("flags", [[], ["--subnet", "10.9.0.0/24", "--gateway", "10.9.0.254", "--ip-range",
                                        "10.9.0.128/25", "--internal", "--attachable", "--label", "k=v",
                                        "-o", "com.docker.network.bridge.name=br9"]])
def test_network_create_body_matches_docker(docker, flags):
    theirs = docker.body("POST", "/networks/create", "network", "create", *flags, "mynet")
    ours = network_body(parser().parse_args(["network", "create", *flags, "mynet"]))
    assert meaningful(ours) == meaningful({k: v for k, v in theirs.items() if k != "CheckDuplicate"})


def test_the_command_keeps_its_own_flags():
    args = parser().parse_args(["run", "--rm", "busybox", "ls", "-l", "--rm", "-d"])
    assert args.command == ["ls", "-l", "--rm", "-d"] and args.rm and not args.detach
