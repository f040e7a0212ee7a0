"""A private real dockerd on its own socket and roots, for compatibility tests and benchmarks.

Flags from shared/docs/engine-api.md §14; no bridge, no iptables, so it touches nothing shared.
"""

import os
import shutil
import subprocess
import time
from pathlib import Path

from tests.support.daemon import mounts_under
from tests.support.processes import terminate


def dockerd_available() -> bool:
    return shutil.which("dockerd") is not None and os.geteuid() == 0


class PrivateDockerd:
    def __init__(self, base: Path):
        self.base = base
        self.sock = base / "dockerd.sock"
        self.process: subprocess.Popen | None = None

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "DOCKER_HOST": f"unix://{self.sock}",
                "DOCKER_CONFIG": str(self.base / "docker-config")}

    def start(self, timeout: float = 60) -> "PrivateDockerd":
        self.base.mkdir(parents=True, exist_ok=True)
        cmd = ["dockerd", "--host", f"unix://{self.sock}", "--data-root", str(self.base / "data"),
               "--exec-root", str(self.base / "exec"), "--pidfile", str(self.base / "dockerd.pid"),
               "--iptables=false", "--ip-masq=false", "--bridge=none"]
        log = open(self.base / "dockerd.log", "ab")
        self.process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dockerd exited {self.process.returncode}")
            if self.docker("version", check=False).returncode == 0:
                return self
            time.sleep(0.3)
        self.stop()
        raise RuntimeError("dockerd did not answer in time")

    def docker(self, *args: str, check: bool = True, input: bytes | None = None) -> subprocess.CompletedProcess:
        result = subprocess.run(["docker", *args], env=self.env, capture_output=True, input=input)
        if check and result.returncode != 0:
            raise AssertionError(f"docker {' '.join(args)} (dockerd) exited {result.returncode}: "
                                 f"{result.stderr.decode(errors='replace')}")
        return result

    def stop(self) -> None:
        terminate(self.process, grace=60)
        for point in sorted(mounts_under(self.base), reverse=True):  # its own leftovers only
            subprocess.run(["umount", "-l", point], capture_output=True)
