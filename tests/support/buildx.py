"""The docker CLI with the buildx plugin (installed by scripts/buildx): `docker build` is then
`docker buildx build`, speaking BuildKit's protocol. Each caller gets a DOCKER_CONFIG of its own
holding the plugin, so the other tests' `docker build` stays the classic builder."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

PLUGIN = Path(os.environ.get("DOCKER_BUILDX_PLUGIN", Path.home() / ".docker/cli-plugins/docker-buildx"))


def missing() -> str | None:
    if not PLUGIN.exists():
        return f"the buildx plugin is not installed at {PLUGIN} (scripts/buildx)"
    return None


class Buildx:
    """The real docker CLI, with buildx, against one daemon."""

    def __init__(self, daemon, config_dir: Path):
        self.daemon = daemon
        plugins = config_dir / "cli-plugins"
        plugins.mkdir(parents=True, exist_ok=True)
        link = plugins / "docker-buildx"
        if not link.exists():
            link.symlink_to(PLUGIN)
        self.env = {k: v for k, v in daemon.env.items() if k != "DOCKER_BUILDKIT"}
        self.env.update(DOCKER_CONFIG=str(config_dir))

    def docker(self, *args: str, check: bool = True, timeout: float = 180) -> subprocess.CompletedProcess:
        result = subprocess.run(["docker", *args], env=self.env, capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"docker {' '.join(args)} exited {result.returncode}:\n"
                                 f"stdout: {result.stdout}\nstderr: {result.stderr}")
        return result


def plain_steps(output: str) -> dict[str, list[str]]:
    """buildx's plain progress: each step's name → its lines."""
    steps, names = {}, {}
    for line in output.splitlines():
        number, _, rest = line.partition(" ")
        if not number.startswith("#"):
            continue
        if number not in names:
            names[number] = rest
            steps[rest] = []
        else:
            steps[names[number]].append(rest)
    return steps
