"""A real dockyardd on temporary roots, driven as users drive it: the docker CLI and docker-py."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


class Daemon:
    def __init__(self, base: Path, name: str = "d", extra_args: tuple[str, ...] = ()):
        self.base = base
        self.data_root = base / f"{name}-data"
        self.exec_root = base / f"{name}-exec"
        self.socket = base / f"{name}.sock"
        self.log_path = base / f"{name}.log"
        self.extra_args = extra_args
        self.process: subprocess.Popen | None = None

    @property
    def host(self) -> str:
        return f"unix://{self.socket}"

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "DOCKER_HOST": self.host, "DOCKYARD_HOST": self.host,
                "DOCKER_CONFIG": str(self.base / "docker-config")}

    def command(self) -> list[str]:
        return [sys.executable, "-m", "dockyard.daemon", "-H", self.host,
                "--data-root", str(self.data_root), "--exec-root", str(self.exec_root),
                "--log-level", "debug", *self.extra_args]

    def start(self, timeout: float = 15) -> "Daemon":
        env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
        with open(self.log_path, "ab") as log:  # the child keeps its own copy of the descriptor
            self.process = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dockyardd exited {self.process.returncode}:\n{self.log()}")
            if self._answers():
                return self
            time.sleep(0.02)
        raise RuntimeError(f"dockyardd did not answer within {timeout}s:\n{self.log()}")

    def _answers(self) -> bool:
        try:
            with socket.socket(socket.AF_UNIX) as sock:
                sock.connect(str(self.socket))
                sock.sendall(b"GET /_ping HTTP/1.1\r\nHost: t\r\n\r\n")
                return sock.recv(64).startswith(b"HTTP/1.1 200")
        except OSError:
            return False

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.process.send_signal(sig)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise RuntimeError(f"dockyardd ignored signal {sig}:\n{self.log()}")

    def kill(self) -> None:
        """kill -9, as a crash."""
        self.stop(signal.SIGKILL)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def docker(self, *args: str, input: bytes | str | None = None, check: bool = True,
               timeout: float = 120) -> subprocess.CompletedProcess:
        """Run the real docker CLI against this daemon."""
        result = subprocess.run(["docker", *args], env=self.env, input=input, capture_output=True,
                                timeout=timeout, text=not isinstance(input, bytes))
        if check and result.returncode != 0:
            raise AssertionError(f"docker {' '.join(args)} exited {result.returncode}:\n"
                                 f"stdout: {result.stdout}\nstderr: {result.stderr}")
        return result

    def dockyard(self, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
        """Run our own CLI against this daemon."""
        env = {**self.env, "PYTHONPATH": str(REPO / "src")}
        result = subprocess.run([sys.executable, "-m", "dockyard.cli", *args], env=env,
                                capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"dockyard {' '.join(args)} exited {result.returncode}:\n{result.stderr}")
        return result

    def client(self):
        import docker  # docker-py, only for tests
        return docker.DockerClient(base_url=self.host, timeout=120)


def mounts_under(path: Path) -> list[str]:
    """Mount points at or below `path`, from /proc/self/mountinfo."""
    prefix = str(path)
    with open("/proc/self/mountinfo") as info:
        points = [line.split()[4] for line in info]
    return [p for p in points if p == prefix or p.startswith(prefix + "/")]
