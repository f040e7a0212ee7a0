"""`dockyard compose` against a real daemon: names, ports, volumes, recreate, one-offs, down."""

import json
import signal
import subprocess
import sys

import pytest

from tests.integration.compose.helpers import Compose, http_get, project_dir
from tests.support.daemon import REPO
from tests.support.registry import Registry

pytestmark = pytest.mark.root

WEB_AND_CLIENT = """
services:
  web:
    image: busybox
    command: ["sh", "-c", "mkdir -p /www && echo hello-$$GREETING > /www/index.html && exec httpd -f -p 80 -h /www"]
    environment: {GREETING: "${GREETING:-world}"}
    ports: ["${PORT}:80"]
    stop_grace_period: 1s
    healthcheck: {test: ["CMD", "wget", "-q", "-O-", "http://localhost/"], interval: 1s, retries: 20}
  client:
    image: busybox
    command: ["sleep", "1000"]
    depends_on: {web: {condition: service_healthy}}
    volumes: ["data:/data", "/scratch"]
    stop_grace_period: 1s
volumes:
  data:
"""


def test_up_reaches_services_by_name_keeps_volumes_recreates_on_change_and_down_removes_all(busybox, tmp_path):
    project, port = project_dir(tmp_path, "shop", "compose.yaml", WEB_AND_CLIENT)
    compose = Compose(busybox, project)
    try:
        compose("up", "-d")
        assert compose("exec", "-T", "client", "wget", "-q", "-O-", "http://web/").stdout == "hello-world\n"
        assert http_get(port) == "hello-world\n"
        assert compose("ps").stdout.splitlines()[1].split()[:3] == ["shop-client-1", "busybox", '"sleep']
        containers, networks, volumes = compose.project_objects("shop")
        assert (sorted(containers), networks, volumes) == (["shop-client-1", "shop-web-1"], ["shop_default"],
                                                           ["shop_data"])
        ids = {name: busybox.docker("inspect", "-f", "{{.Id}}", name).stdout for name in containers}
        compose("run", "--rm", "--no-deps", "client", "sh", "-c", "echo kept > /data/f")

        assert " Creating " not in compose("up", "-d").stderr  # nothing changed, nothing done
        assert ids["shop-web-1"] == busybox.docker("inspect", "-f", "{{.Id}}", "shop-web-1").stdout
        compose("up", "-d", env={"GREETING": "there"})
        assert ids["shop-web-1"] != busybox.docker("inspect", "-f", "{{.Id}}", "shop-web-1").stdout
        assert ids["shop-client-1"] == busybox.docker("inspect", "-f", "{{.Id}}", "shop-client-1").stdout
        scratch = '{{range .Mounts}}{{if eq .Destination "/scratch"}}{{.Name}}{{end}}{{end}}'
        anonymous = busybox.docker("inspect", "-f", scratch, "shop-client-1").stdout
        compose("up", "-d", "--force-recreate", "--no-deps", "client")
        assert ids["shop-client-1"] != busybox.docker("inspect", "-f", "{{.Id}}", "shop-client-1").stdout
        assert busybox.docker("inspect", "-f", scratch, "shop-client-1").stdout == anonymous  # kept on recreate
        assert compose("run", "--rm", "client", "wget", "-q", "-O-", "http://web/").stdout == "hello-there\n"

        compose("down")
        assert compose.project_objects("shop") == ([], [], ["shop_data"])
        compose("up", "-d", "client")  # its dependency comes up first
        assert compose("run", "--rm", "client", "cat", "/data/f").stdout == "kept\n"
        failed = compose("run", "--rm", "--no-deps", "client", "sh", "-c", "echo $GREETING; exit 3",
                         "-e", "GREETING=run", check=False)
        assert failed.returncode == 3
        assert sorted(compose.project_objects("shop")[0]) == ["shop-client-1", "shop-web-1"]  # one-offs removed
    finally:
        compose("down", "-v", check=False)
    assert compose.project_objects("shop") == ([], [], [])


def test_foreground_up_logs_lifecycle_and_scale(busybox, tmp_path):
    project = tmp_path / "jobs"
    project.mkdir()
    (project / "compose.yaml").write_text("""
services:
  first:
    image: busybox
    command: sh -c 'echo one; echo two'
  second:
    image: busybox
    command: ["echo", "${WORD:-three}"]
  worker:
    image: busybox
    command: ["sleep", "1000"]
    stop_grace_period: 0s
    profiles: [workers]
""")
    compose = Compose(busybox, project)
    try:
        up = compose("up")
        lines = up.stdout.splitlines()
        assert {"first-1   | one", "first-1   | two", "second-1  | three"} <= {
            line.replace("jobs-", "", 1) for line in lines}
        assert lines[0] == "Attaching to first-1, second-1"
        assert "\x1b[Kfirst-1 exited with code 0" in lines  # after compose v2's "\r\x1b[K" line reset
        assert compose("logs", "--no-log-prefix", "second").stdout == "three\n"
        assert compose("logs", "first").stdout == "first-1  | one\nfirst-1  | two\n"
        # (alive a second: a container that exits as it starts can fail the daemon's network attach)
        (project / "compose.override.yaml").write_text("services: {second: {command: [sh, -c, 'sleep 1; exit 7']}}")
        assert compose("up", "--exit-code-from", "second", check=False).returncode == 7
        (project / "compose.override.yaml").unlink()

        workers = Compose(busybox, project)
        workers("--profile", "workers", "up", "-d", "--scale", "worker=3", "worker")
        names = busybox.docker("ps", "--filter", "label=com.docker.compose.service=worker",
                               "--format", "{{.Names}}").stdout.split()
        assert sorted(names) == ["jobs-worker-1", "jobs-worker-2", "jobs-worker-3"]
        listed = compose("ps", "--format", "{{.Name}}").stdout.split()  # no --profile now: still listed
        assert listed == ["jobs-worker-1", "jobs-worker-2", "jobs-worker-3"]
        assert compose("ps", "--services").stdout == "worker\n"
        workers("--profile", "workers", "stop", "worker")
        assert "Exited" in workers("--profile", "workers", "ps", "-a", "worker").stdout
        workers("--profile", "workers", "start", "worker")
        workers("--profile", "workers", "up", "-d", "--scale", "worker=1", "worker")
        assert busybox.docker("ps", "--filter", "label=com.docker.compose.service=worker",
                              "--format", "{{.Names}}").stdout.split() == ["jobs-worker-1"]
        labels = json.loads(busybox.docker("inspect", "-f", "{{json .Config.Labels}}", "jobs-worker-1").stdout)
        assert labels["com.docker.compose.container-number"] == "1"
        assert labels["com.docker.compose.oneoff"] == "False"
        assert len(labels["com.docker.compose.config-hash"]) == 64
    finally:
        compose("--profile", "workers", "down", check=False)
    assert compose.project_objects("jobs") == ([], [], [])


def test_ctrl_c_stops_a_foreground_up(busybox, tmp_path):
    (tmp_path / "compose.yaml").write_text("""
services:
  loop:
    image: busybox
    command: sh -c 'trap "echo stopping; exit 0" TERM; echo ready; while true; do sleep 0.1; done'
""")
    env = {**busybox.env, "PYTHONPATH": str(REPO / "src")}
    # Started with SIGINT ignored, as a background job of a non-interactive shell is: Ctrl-C
    # (SIGINT) must stop it all the same, as it stops docker compose.
    up = subprocess.Popen([sys.executable, "-m", "dockyard.cli", "compose", "-p", "ctrlc", "up"], cwd=tmp_path,
                          env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    compose = Compose(busybox, tmp_path)
    try:
        assert up.stdout.readline() == "Attaching to loop-1\n"
        assert up.stdout.readline() == "loop-1  | ready\n"
        up.send_signal(2)
        out, err = up.communicate(timeout=60)
        assert up.returncode == 130
        assert "Gracefully stopping" in err
        assert busybox.docker("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}",
                              "ctrlc-loop-1").stdout == "exited 0\n"
    finally:
        if up.poll() is None:
            up.kill()
        compose("-p", "ctrlc", "down", check=False)


def test_build_then_up_and_rebuild_on_request(busybox, tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "Dockerfile.dev").write_text(
        'FROM busybox\nARG GREETING=hello\nRUN echo "$GREETING built" > /built\nCMD ["cat", "/built"]\n')
    (tmp_path / "compose.yaml").write_text("""
services:
  app:
    build: {context: ./app, dockerfile: Dockerfile.dev, args: {GREETING: "${GREETING:-first}"}}
""")
    compose = Compose(busybox, tmp_path)
    try:
        first = compose("-p", "built", "up")
        assert first.stdout.splitlines()[1] == "app-1  | first built"
        assert " Image built-app Built " in first.stderr
        again = compose("-p", "built", "up", env={"GREETING": "second"})
        assert "Built" not in again.stderr  # the image exists: no build without --build
        assert again.stdout.splitlines()[1] == "app-1  | first built"  # only this run's output
        rebuilt = compose("-p", "built", "up", "--build", env={"GREETING": "second"})
        assert rebuilt.stdout.splitlines()[1] == "app-1  | second built"
        assert compose("-p", "built", "run", "--rm", "app").stdout == "second built\n"
        legacy = Compose(busybox, tmp_path, ours=False)  # v1 builds through the same API, as built_app
        legacy("-p", "built", "build", env={"GREETING": "legacy"})
        assert legacy("-p", "built", "run", "--rm", "-T", "app").stdout == "legacy built\n"
    finally:
        compose("-p", "built", "down", check=False)
        busybox.docker("rmi", "built-app", "built_app", check=False)


def test_pull_and_up_fetch_images_from_a_registry(busybox, tmp_path):
    if Registry.missing():
        pytest.skip(Registry.missing())
    registry = Registry(tmp_path / "registry").start()
    ref = f"{registry.address}/compose/busybox:1"
    (tmp_path / "compose.yaml").write_text(f"services:\n  a: {{image: '{ref}', command: [echo, pulled]}}\n")
    compose = Compose(busybox, tmp_path)
    try:
        busybox.docker("tag", "busybox", ref)
        busybox.docker("push", ref)
        busybox.docker("rmi", ref)
        compose("-p", "pulls", "pull")
        busybox.docker("rmi", ref)  # present after pull; gone again, so that up has to pull it
        assert compose("-p", "pulls", "up").stdout.splitlines()[1] == "a-1  | pulled"
    finally:
        compose("-p", "pulls", "down", check=False)
        busybox.docker("rmi", ref, check=False)
        registry.remove()
