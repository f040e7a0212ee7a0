"""Debian's containerd (1.6, CRI plugin on) on private roots and sockets: the baseline that
critest's results on dockyard are compared with. Its pods use Debian's CNI plugins with a bridge
of their own, and pull through registry mirrors to a local docker-registry (tests.support.cri_images).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

from tests.support.cri_images import HOSTS, SANDBOX_IMAGE
from tests.support.processes import terminate

CNI_BIN = "/usr/lib/cni"


def containerd_missing() -> str | None:
    for path, package in (("/usr/bin/containerd", "containerd"), (f"{CNI_BIN}/bridge", "containernetworking-plugins")):
        if not Path(path).exists():
            return f"{path} is missing (apt install {package})"
    return None


class PrivateContainerd:
    def __init__(self, base: Path, registry: str, subnet: str = "10.231.0.0/16", bridge: str = "ctrd-cni0"):
        self.base, self.registry, self.subnet, self.bridge = base, registry, subnet, bridge
        self.socket = base / "containerd.sock"
        self.process: subprocess.Popen | None = None

    @property
    def endpoint(self) -> str:
        return f"unix://{self.socket}"

    def _config(self) -> str:
        mirrors = "".join(
            f'[plugins."io.containerd.grpc.v1.cri".registry.mirrors."{host}"]\n'
            f'  endpoint = ["http://{self.registry}"]\n' for host in HOSTS)
        return (f'version = 2\nroot = "{self.base / "root"}"\nstate = "{self.base / "state"}"\n'
                f'[grpc]\n  address = "{self.socket}"\n'
                f'[ttrpc]\n  address = "{self.socket}.ttrpc"\n'
                f'[debug]\n  address = "{self.socket}.debug"\n'
                f'[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "{SANDBOX_IMAGE}"\n'
                f'  stream_server_port = "0"\n'
                f'  restrict_oom_score_adj = true\n'   # no CAP_SYS_RESOURCE here: no score below ours
                f'{self._runc_options()}'
                f'[plugins."io.containerd.grpc.v1.cri".cni]\n  bin_dir = "{CNI_BIN}"\n'
                f'  conf_dir = "{self.base / "net.d"}"\n{mirrors}')

    def _runc_options(self) -> str:
        runc = os.environ.get("CRITEST_CONTAINERD_RUNC")   # a wrapper, to debug runc
        if not runc:
            return ""
        return (f'[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]\n'
                f'  runtime_type = "io.containerd.runc.v2"\n'
                f'[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n'
                f'  BinaryName = "{runc}"\n')

    def _conflist(self) -> dict:
        return {"cniVersion": "0.4.0", "name": "containerd-test", "plugins": [
            {"type": "bridge", "bridge": self.bridge, "isGateway": True, "ipMasq": True,
             "ipam": {"type": "host-local", "ranges": [[{"subnet": self.subnet}]],
                      "routes": [{"dst": "0.0.0.0/0"}], "dataDir": str(self.base / "ipam")}},
            {"type": "portmap", "capabilities": {"portMappings": True}},
            {"type": "loopback"}]}

    def start(self, timeout: float = 30) -> "PrivateContainerd":
        (self.base / "net.d").mkdir(parents=True, exist_ok=True)
        (self.base / "net.d" / "10-test.conflist").write_text(json.dumps(self._conflist()))
        (self.base / "config.toml").write_text(self._config())
        with open(self.base / "containerd.log", "ab") as log:
            self.process = subprocess.Popen(["containerd", "--config", str(self.base / "config.toml")],
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"containerd exited {self.process.returncode}: {self.log()[-2000:]}")
            if self.socket.exists():
                return self
            time.sleep(0.1)
        raise RuntimeError("containerd did not listen in time")

    def stop(self) -> None:
        terminate(self.process, grace=30)

    def log(self) -> str:
        path = self.base / "containerd.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def remove(self) -> None:
        self.stop()
        subprocess.run(["umount", "-R", str(self.base / "root")], capture_output=True)
        subprocess.run(["ip", "link", "del", self.bridge], capture_output=True)   # the bridge plugin leaves it
        shutil.rmtree(self.base, ignore_errors=True)
