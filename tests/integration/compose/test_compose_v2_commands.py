"""`dockyard compose` commands compose v2 has and v1 had not: up --wait, create, cp, exec --index,
run --service-ports, events --json, wait, watch, down --rmi; each checked on the daemon, and where
compose v2 prints something fixed, against what compose v2 prints."""

import json
import signal
import subprocess
import sys
import threading
import time

import pytest

from tests.integration.compose.helpers import Compose, free_port, http_get
from tests.integration.compose.parity import compose_v2
from tests.support.daemon import REPO

pytestmark = pytest.mark.root

PROJECT = """
services:
  web:
    image: busybox
    command: ["sh", "-c", "mkdir -p /www && echo hello > /www/index.html && exec httpd -f -p 80 -h /www"]
    ports: ["127.0.0.1:${PORT}:80"]
    healthcheck: {test: ["CMD", "wget", "-q", "-O-", "http://localhost/"], interval: 1s, retries: 30}
    stop_grace_period: 0s
    develop:
      watch:
        - {path: ./src, action: sync, target: /www/src}
  worker:
    image: busybox
    command: ["sleep", "1000"]
    scale: 2
    stop_grace_period: 0s
  job:
    build: ./job
    command: ["sh", "-c", "sleep 3; exit 4"]
    profiles: [jobs]
"""


def test_wait_create_cp_exec_index_service_ports_events_watch_and_rmi(busybox, tmp_path):
    port = free_port()
    (tmp_path / "compose.yaml").write_text(PROJECT)
    (tmp_path / ".env").write_text(f"PORT={port}\n")
    (tmp_path / "src").mkdir()
    (tmp_path / "job").mkdir()
    (tmp_path / "job" / "Dockerfile").write_text("FROM busybox\n")
    compose = Compose(busybox, tmp_path)
    env = {**busybox.env, "PYTHONPATH": str(REPO / "src")}
    try:
        created = compose("create", "web")
        assert " Container cmds-web-1 Created " in created.stderr.replace(tmp_path.name, "cmds")
        assert busybox.docker("inspect", "-f", "{{.State.Status}}", f"{tmp_path.name}-web-1").stdout == "created\n"
        waited = compose("up", "-d", "--wait")  # returns once web is healthy
        assert busybox.docker("inspect", "-f", "{{.State.Health.Status}}", f"{tmp_path.name}-web-1").stdout == \
            "healthy\n"
        assert " Healthy " in waited.stderr and http_get(port) == "hello\n"

        (tmp_path / "local.txt").write_text("to the container\n")
        compose("cp", "local.txt", "worker:/tmp/copied.txt")  # every worker container
        for index in ("1", "2"):
            assert compose("exec", "-T", "--index", index, "worker", "cat", "/tmp/copied.txt").stdout == \
                "to the container\n"
        compose("exec", "-T", "--index", "2", "worker", "sh", "-c", "echo second > /tmp/which")
        compose("cp", "--index", "2", "worker:/tmp/which", str(tmp_path / "which"))
        assert (tmp_path / "which").read_text() == "second\n"

        one_off_port = free_port()
        run = subprocess.Popen([sys.executable, "-m", "dockyard.cli", "compose", "run", "-d", "--rm", "-p",
                                f"127.0.0.1:{one_off_port}:80", "web"], cwd=tmp_path, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert run.wait(120) == 0, run.stderr.read()
        assert eventually(lambda: http_get(one_off_port)) == "hello\n"

        events = subprocess.Popen([sys.executable, "-m", "dockyard.cli", "compose", "events", "--json", "worker"],
                                  cwd=tmp_path, env=env, stdout=subprocess.PIPE, text=True)
        threading.Timer(120, events.kill).start()
        time.sleep(2)
        compose("restart", "-t", "0", "worker")
        first = json.loads(events.stdout.readline())
        events.send_signal(signal.SIGINT)
        events.wait(30)
        assert list(first) == ["action", "attributes", "id", "service", "time", "type"]  # compose v2's keys
        assert (first["service"], first["type"]) == ("worker", "container")

        watcher = subprocess.Popen([sys.executable, "-m", "dockyard.cli", "compose", "watch", "--no-up", "web"],
                                   cwd=tmp_path, env=env, stdout=subprocess.PIPE, text=True)
        threading.Timer(120, watcher.kill).start()  # a missed change fails the test rather than hanging it
        assert watcher.stdout.readline() == "Watch enabled\n"
        (tmp_path / "src" / "page.html").write_text("synced\n")
        assert watcher.stdout.readline() == 'Syncing service "web" after 1 changes were detected\n'
        assert eventually(lambda: http_get_path(port, "/src/page.html")) == "synced\n"  # copied after the line
        watcher.send_signal(signal.SIGINT)
        watcher.wait(30)

        jobs = Compose(busybox, tmp_path)
        jobs("--profile", "jobs", "up", "-d", "job")
        waited_for = jobs("--profile", "jobs", "wait", "job", check=False)
        job_id = busybox.docker("inspect", "-f", "{{.Id}}", f"{tmp_path.name}-job-1").stdout.strip()
        assert (waited_for.returncode, waited_for.stdout) == (4, f'container "{job_id}" exited with status code 4\n')
        jobs("--profile", "jobs", "start", "job")
        reference = subprocess.run([compose_v2(), "--profile", "jobs", "wait", "job"], cwd=tmp_path, env=env,
                                   capture_output=True, text=True, timeout=60)
        assert (reference.returncode, reference.stdout) == (waited_for.returncode, waited_for.stdout)
        jobs("--profile", "jobs", "down", "--rmi", "local", "-t", "0")
        assert busybox.docker("image", "inspect", f"{tmp_path.name}-job", check=False).returncode == 1
        assert busybox.docker("image", "inspect", "busybox").returncode == 0  # not built here: kept
    finally:
        compose("--profile", "jobs", "down", "-v", "-t", "0", check=False)


def eventually(get, seconds: float = 30):
    """What `get` returns once it stops failing (a server starting, a file being copied in)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return get()
        except OSError:  # urllib's errors, 404 included, are OSErrors
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def http_get_path(port: int, path: str) -> str:
    import urllib.request
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
        return response.read().decode()
