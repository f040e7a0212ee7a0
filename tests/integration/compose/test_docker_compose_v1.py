"""The real docker-compose (v1, Python, its own docker-py) drives dockyardd unchanged."""

import pytest

from tests.integration.compose.helpers import NEEDS_DOCKER_COMPOSE_V1, Compose, http_get, project_dir

pytestmark = [pytest.mark.root, NEEDS_DOCKER_COMPOSE_V1]

PROJECT = """
version: "3.8"
services:
  web:
    image: busybox
    command: ["sh", "-c", "mkdir -p /www && echo hello-$$GREETING > /www/index.html && exec httpd -f -p 80 -h /www"]
    environment:
      GREETING: "${GREETING:-v1}"
    ports: ["${PORT}:80"]
    stop_grace_period: 1s
    healthcheck:
      test: ["CMD", "wget", "-q", "-O-", "http://localhost/"]
      interval: 1s
      retries: 20
  client:
    image: busybox
    command: ["sleep", "1000"]
    stop_grace_period: 1s
    depends_on:
      web:
        condition: service_healthy
    volumes: ["data:/data"]
volumes:
  data:
"""


def test_docker_compose_v1_full_cycle(busybox, tmp_path):
    project, port = project_dir(tmp_path, "legacy", "docker-compose.yml", PROJECT)
    compose = Compose(busybox, project, ours=False)
    try:
        compose("up", "-d")
        assert http_get(port) == "hello-v1\n"
        ps = compose("ps").stdout.splitlines()
        assert [line.split()[0] for line in ps[2:]] == ["legacy_client_1", "legacy_web_1"]  # each once
        assert "(healthy)" in ps[3] and f"0.0.0.0:{port}->80/tcp" in ps[3]
        assert compose("exec", "-T", "client", "wget", "-q", "-O-", "http://web/").stdout == "hello-v1\n"
        compose("run", "--rm", "-T", "client", "sh", "-c", "echo kept > /data/f")
        assert compose("run", "--rm", "-T", "client", "cat", "/data/f").stdout == "kept\n"

        compose("up", "-d", "--scale", "client=2")
        assert compose("exec", "-T", "--index=2", "client", "hostname").stdout.strip() == busybox.docker(
            "inspect", "-f", "{{.Id}}", "legacy_client_2").stdout[:12]
        assert compose("run", "--rm", "-T", "client", "wget", "-q", "-O-", "http://legacy_web_1/").stdout \
            == "hello-v1\n"
        assert compose("logs", "--tail=5", "web").stdout.startswith("Attaching to legacy_web_1")
        compose("stop", "-t", "1")
        assert compose.project_objects("legacy")[0] and "Up" not in compose("ps").stdout
        compose("start")
        compose("restart", "-t", "1", "web")
        assert "Up" in compose("ps", "web").stdout

        recreated = compose("up", "-d", "--scale", "client=1", env={"GREETING": "changed"}).stderr
        assert "Recreating legacy_web_1" in recreated
        assert compose("run", "--rm", "-T", "client", "wget", "-q", "-O-", "http://web/").stdout == "hello-changed\n"
        compose("down", "-t", "1")
        assert compose.project_objects("legacy") == ([], [], ["legacy_data"])
        compose("up", "-d")
        assert compose("exec", "-T", "client", "cat", "/data/f").stdout == "kept\n"  # a named volume persists
    finally:
        compose("down", "-v", "-t", "1", check=False)
    assert compose.project_objects("legacy") == ([], [], [])


def test_our_compose_and_docker_compose_share_labels(busybox, tmp_path):
    """Containers ours made carry compose's labels: docker-compose v1 lists and removes them too."""
    (tmp_path / "docker-compose.yml").write_text("services:\n  app:\n    image: busybox\n"
                                                  "    command: [sleep, '1000']\n    stop_grace_period: 0s\n")
    ours, theirs = Compose(busybox, tmp_path), Compose(busybox, tmp_path, ours=False)
    try:
        ours("-p", "shared", "up", "-d")
        listed = theirs("-p", "shared", "ps").stdout
        assert "shared-app-1" in listed and "Up" in listed
        theirs("-p", "shared", "down", "-t", "0")
        assert ours.project_objects("shared") == ([], [], [])
    finally:
        ours("-p", "shared", "down", check=False)
