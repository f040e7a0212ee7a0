"""Debian's `docker-registry` (the reference distribution server) on a free loopback port,
with temporary storage and, optionally, htpasswd (bcrypt) authentication."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.support.token_server import ISSUER, SERVICE
from tests.support.processes import terminate

BINARY = "/usr/bin/docker-registry"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Registry:
    def __init__(self, base: Path, users: dict[str, str] | None = None, token_server=None,
                 tls: bool = False):
        self.base = base
        self.port = free_port()
        self.users = users or {}
        self.tls = tls                       # serve HTTPS with a throwaway self-signed certificate
        self.token_server = token_server     # tests.support.token_server.TokenServer, started
        self.process: subprocess.Popen | None = None

    @staticmethod
    def missing() -> str | None:
        """Why registry tests cannot run here, or None."""
        if not Path(BINARY).exists():
            return "docker-registry is not installed (apt install docker-registry)"
        return None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 20) -> "Registry":
        self.base.mkdir(parents=True, exist_ok=True)
        auth = ""
        if self.users:
            htpasswd = self.base / "htpasswd"
            htpasswd.write_text("".join(_htpasswd_line(u, p) for u, p in self.users.items()))
            auth = f"auth:\n  htpasswd:\n    realm: test-realm\n    path: {htpasswd}\n"
        if self.token_server is not None:
            auth = (f"auth:\n  token:\n    realm: {self.token_server.realm}\n    service: {SERVICE}\n"
                    f"    issuer: {ISSUER}\n    rootcertbundle: {self.token_server.cert}\n")
        config = self.base / "config.yml"
        config.write_text(
            "version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\n"
            f"storage:\n  filesystem:\n    rootdirectory: {self.base / 'storage'}\n"
            f"  delete:\n    enabled: true\nhttp:\n  addr: {self.address}\n{self._tls_config()}{auth}")
        with open(self.base / "registry.log", "ab") as log:
            self.process = subprocess.Popen([BINARY, "serve", str(config)], stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"docker-registry exited {self.process.returncode}: {self.log()}")
            if self._answers():
                return self
            time.sleep(0.05)
        raise RuntimeError(f"docker-registry did not answer: {self.log()}")

    def _tls_config(self) -> str:
        if not self.tls:
            return ""
        key, cert = self.base / "tls.key", self.base / "tls.crt"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                       check=True, capture_output=True)
        return f"  tls:\n    certificate: {cert}\n    key: {key}\n"

    def _answers(self) -> bool:
        scheme = "https" if self.tls else "http"
        context = ssl._create_unverified_context() if self.tls else None
        try:
            urllib.request.urlopen(f"{scheme}://{self.address}/v2/", timeout=2, context=context).close()
            return True
        except urllib.error.HTTPError as err:
            return err.code == 401
        except OSError:
            return False

    def stop(self) -> None:
        terminate(self.process, grace=10)

    def remove(self) -> None:
        """Stop and delete the storage, configuration and log."""
        self.stop()
        shutil.rmtree(self.base, ignore_errors=True)

    def log(self) -> str:
        path = self.base / "registry.log"
        return path.read_text(errors="replace") if path.exists() else ""


def _htpasswd_line(user: str, password: str) -> str:
    """A bcrypt entry made by apache2-utils' htpasswd (the registry accepts bcrypt only)."""
    out = subprocess.run(["htpasswd", "-nbB", user, password], check=True, capture_output=True, text=True)
    return out.stdout.strip() + "\n"
