"""Starting and stopping the two daemons, each on private roots, socket and bridge.

dockerd follows engine-api.md §14: its own data root, exec root, pidfile, config file,
no iptables or masquerading, a pre-created bridge, published ports on 127.0.0.1 only.
dockerd 20.10 also writes /etc/docker/key.json and /run/docker/plugins whatever its roots
are; those are removed afterwards when they did not exist before."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from bench import hostops
from bench.procs import MARKER_VAR

REPO = Path(__file__).resolve().parents[1]

DOCKERD_BRIDGE, DOCKERD_BRIDGE_CIDR = "dkbench0", "10.214.0.1/16"
DOCKYARD_BRIDGE, DOCKYARD_BIP = "dybench0", "10.215.0.1/16"
DOCKERD_HOST_LEFTOVERS = (Path("/etc/docker/key.json"), Path("/run/docker/plugins"), Path("/run/docker"))


class Daemon:
    name = "daemon"
    bridge = ""

    def __init__(self, base: Path):
        self.base = base / self.name
        self.base.mkdir(parents=True)
        self.socket = self.base / "d.sock"
        self.log_path = self.base / "daemon.log"
        self.marker = f"{self.name}-{secrets.token_hex(6)}"
        self.process: subprocess.Popen | None = None
        self.forward_rule = False

    @property
    def host(self) -> str:
        return f"unix://{self.socket}"

    def command(self) -> list[str]:
        raise NotImplementedError

    def environment(self) -> dict[str, str]:
        return {**os.environ, MARKER_VAR: self.marker}

    def prepare_host(self) -> None:
        self.forward_rule = hostops.allow_bridge_forwarding(self.bridge)

    def start(self, timeout: float = 60) -> "Daemon":
        self.prepare_host()
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT,
                                        env=self.environment(), start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited {self.process.returncode}: {self.log_tail()}")
            if self._answers():
                return self
            time.sleep(0.05)
        raise RuntimeError(f"{self.name} did not answer within {timeout}s: {self.log_tail()}")

    def _answers(self) -> bool:
        try:
            with socket.socket(socket.AF_UNIX) as sock:
                sock.settimeout(2)
                sock.connect(str(self.socket))
                sock.sendall(b"GET /_ping HTTP/1.1\r\nHost: bench\r\n\r\n")
                return sock.recv(64).startswith(b"HTTP/1.1 200")
        except OSError:
            return False

    def log_tail(self, lines: int = 15) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout: float = 180) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._kill_stragglers()
        self.restore_host()

    def _kill_stragglers(self) -> None:
        """Processes we started (they carry our marker) that outlived the daemon."""
        from bench.procs import daemon_processes
        if self.process is None:
            return
        for pid in daemon_processes(self.marker, self.process.pid):
            if pid != self.process.pid:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

    def restore_host(self) -> None:
        if self.forward_rule:
            hostops.remove_bridge_forwarding(self.bridge)
        hostops.delete_link(self.bridge)


class Dockyardd(Daemon):
    name = "dockyard"
    bridge = DOCKYARD_BRIDGE

    def command(self) -> list[str]:
        return [sys.executable, "-m", "dockyard.daemon", "-H", self.host,
                "--data-root", str(self.base / "data"), "--exec-root", str(self.base / "exec"),
                "--pidfile", str(self.base / "d.pid"), "--log-level", "info",
                "--bridge", self.bridge, "--bip", DOCKYARD_BIP, "--iptables", "false"]

    def environment(self) -> dict[str, str]:
        return {**super().environment(), "PYTHONPATH": str(REPO / "src")}


class Dockerd(Daemon):
    name = "dockerd"
    bridge = DOCKERD_BRIDGE

    def __init__(self, base: Path):
        super().__init__(base)
        self.preexisting = {path for path in DOCKERD_HOST_LEFTOVERS if path.exists()}
        (self.base / "daemon.json").write_text("{}\n")

    @staticmethod
    def installed() -> bool:
        return shutil.which("dockerd") is not None

    def prepare_host(self) -> None:
        hostops.create_bridge(self.bridge, DOCKERD_BRIDGE_CIDR)
        super().prepare_host()

    def command(self) -> list[str]:
        return ["dockerd", "--host", self.host, "--data-root", str(self.base / "data"),
                "--exec-root", str(self.base / "exec"), "--pidfile", str(self.base / "d.pid"),
                "--config-file", str(self.base / "daemon.json"), "--iptables=false",
                "--ip-masq=false", f"--bridge={self.bridge}", "--ip", "127.0.0.1",
                "--default-address-pool", os.environ.get("DOCKYARD_BENCH_DOCKERD_POOL", "base=10.62.0.0/16,size=24")]

    def restore_host(self) -> None:
        super().restore_host()
        for path in DOCKERD_HOST_LEFTOVERS:
            if path in self.preexisting or not path.exists():
                continue
            if path.is_dir():
                try:
                    path.rmdir()          # only when empty: someone else may use it by now
                except OSError:
                    pass
            else:
                path.unlink()
