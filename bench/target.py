"""A daemon under test as workloads see it: the docker CLI pointed at it, and its processes."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.workload import Unavailable


class CommandFailed(Unavailable):
    """A docker CLI command exited non-zero; the message is its first line of complaint."""


def complaint(stderr: str) -> str:
    """What the CLI's stderr says went wrong: the daemon's error first, then any other lines
    (such as "Unable to find image ... locally"), without usage hints."""
    lines = [_bare(l) for l in stderr.splitlines() if l.strip() and not l.strip().startswith(_CHATTER)]
    if not lines:
        return "no error message"
    errors = [l for l in lines if l.startswith(_ERROR_PREFIXES)]
    first = errors[0] if errors else lines[0]
    rest = [l for l in lines if l is not first]
    return " / ".join([_bare_error(first), *rest])


# Usage hints and the classic builder's deprecation banner: never the reason for a failure.
_CHATTER = ("Run '", "See '", "DEPRECATED:", "BuildKit is currently disabled", "environment-variable.",
            "Sending build context", "Using default tag")
_ERROR_PREFIXES = ("Error response from daemon: ", "Error: ", "error: ", "ERROR: ")


def _bare(line: str) -> str:
    return line.strip().removeprefix("docker: ")


def _bare_error(line: str) -> str:
    for prefix in _ERROR_PREFIXES:
        if line.startswith(prefix):
            return line[len(prefix):]
    return line


@dataclass
class Target:
    name: str                 # "dockyard" or "dockerd"
    host: str                 # unix:///...
    workdir: Path             # private scratch space for this target's workloads
    marker: str               # value of BENCH_MARKER in the environment of the daemon's processes
    daemon_pid: int
    shared: Any               # bench.shared.Shared: registry, generated images
    config_dir: Path = field(init=False)
    fixtures: dict[str, str | None] = field(default_factory=dict)   # name -> None (ok) or failure
    kept: dict[str, Any] = field(default_factory=dict)   # state shared by workloads (e.g. 500 sleepers)

    def __post_init__(self) -> None:
        self.config_dir = self.workdir / "docker-config"
        self.config_dir.mkdir(parents=True, exist_ok=True)

    @property
    def env(self) -> dict[str, str]:
        # DOCKER_BUILDKIT=0: the classic builder on both sides (no buildx plugin here).
        return {**os.environ, "DOCKER_HOST": self.host, "DOCKER_CONFIG": str(self.config_dir),
                "DOCKER_BUILDKIT": "0", "DOCKER_CLI_HINTS": "false"}

    def docker(self, *args: str, timeout: float = 600, input: bytes | None = None,
               cwd: Path | None = None, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(["docker", *args], env=self.env, input=input, capture_output=True,
                                timeout=timeout, cwd=cwd)
        if check and result.returncode != 0:
            stderr = result.stderr.decode(errors="replace")
            raise CommandFailed(f"docker {args[0]}: {complaint(stderr)}")
        return result

    def timed(self, *args: str, **kwargs) -> float:
        """Seconds the docker command took, start to exit."""
        start = time.perf_counter()
        self.docker(*args, **kwargs)
        return time.perf_counter() - start

    def out(self, *args: str, **kwargs) -> str:
        return self.docker(*args, **kwargs).stdout.decode().strip()

    def api_get(self, path: str, timeout: float = 30) -> float:
        """Seconds for one GET of the Engine API on the daemon's socket, answer read whole."""
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(timeout)
            start = time.perf_counter()
            sock.connect(self.host.removeprefix("unix://"))
            sock.sendall(f"GET {path} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n".encode())
            head = b""
            while chunk := sock.recv(1 << 16):
                head += chunk
            elapsed = time.perf_counter() - start
        if not head.startswith(b"HTTP/1.1 200"):
            raise CommandFailed(f"GET {path}: {head[:200]!r}")
        return elapsed

    def remove_containers(self, ids: list[str], chunk: int = 50, timeout: float = 180) -> list[str]:
        """Best effort, never raising: a daemon that hangs on removal must not lose a result.
        Returns what could not be removed in time."""
        stuck = []
        for start in range(0, len(ids), chunk):
            batch = ids[start:start + chunk]
            try:
                self.docker("rm", "-f", *batch, check=False, timeout=timeout)
            except subprocess.TimeoutExpired:
                stuck.extend(batch)
        return stuck

    def container_ids(self) -> list[str]:
        """Every container's full ID (empty if the daemon does not answer)."""
        try:
            result = self.docker("ps", "-aq", "--no-trunc", check=False, timeout=60)
        except subprocess.TimeoutExpired:
            return []
        return result.stdout.decode().split() if result.returncode == 0 else []

    def remove_all_containers(self) -> list[str]:
        return self.remove_containers(self.container_ids())
