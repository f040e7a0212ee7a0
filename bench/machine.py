"""Where and when figures were measured: date, machine, versions — printed with every table."""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
from pathlib import Path


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown cpu"


def _memory_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / (1 << 20)
    return 0.0


def _output(*argv: str, cwd: Path | None = None) -> str:
    try:
        return subprocess.run(argv, capture_output=True, text=True, cwd=cwd, timeout=10).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def describe(repo: Path) -> dict[str, str]:
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{_cpu_model()}, {os.cpu_count()} cores, {_memory_gib():.0f} GiB, "
                   f"Linux {platform.release()}",
        "dockyard": _output("git", "describe", "--always", "--dirty", cwd=repo) or "unknown",
        "dockerd": _output("dockerd", "--version") or "not installed",
        "docker CLI": _output("docker", "version", "-f", "{{.Client.Version}}") or "unknown",
    }
