"""Ending a peer process the tests started (dockerd, containerd, a registry)."""

from __future__ import annotations

import subprocess


def terminate(process: subprocess.Popen | None, grace: float) -> None:
    """SIGTERM, then SIGKILL after `grace` seconds; waits for it either way."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
