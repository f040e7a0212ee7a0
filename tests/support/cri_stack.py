"""A dockyardd serving the CRI on temporary roots, as the CRI tests drive it: a local registry
with critest's stand-in images behind registry mirrors, a CNI network of its own (a bridge
name and subnet no other daemon on the machine uses), crictl configured for it, and a gRPC
client for the calls crictl has no command for."""

from __future__ import annotations

import ipaddress
import json
import os
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from tests.support import cri_images
from tests.support.critest import tool
from tests.support.daemon import Daemon, mounts_under
from tests.support.registry import Registry

CNI_PLUGINS = "/usr/lib/cni"


def missing() -> str | None:
    """Why the CRI tests cannot run here, or None."""
    for name in ("crictl", "critest"):
        if tool(name) is None:
            return f"{name} is not built (scripts/cri-tools)"
    if not Path(CNI_PLUGINS, "bridge").exists():
        return "the CNI plugins are not installed (apt install containernetworking-plugins)"
    return Registry.missing()


def free_subnet() -> str:
    """A /24 of 10.200.0.0/13 that no route on the host covers."""
    routes = subprocess.run(["ip", "-4", "route", "show", "table", "all"], capture_output=True, text=True).stdout
    used = [ipaddress.ip_network(word, strict=False) for line in routes.splitlines()
            for word in line.split()[:1] if "/" in word]
    start = os.getpid() % 2048
    for index in range(2048):
        number = (start + index) % 2048
        candidate = ipaddress.ip_network(f"10.{200 + number // 256}.{number % 256}.0/24")
        if not any(candidate.overlaps(net) for net in used):
            return str(candidate)
    raise RuntimeError("no free subnet in 10.200.0.0/13")


class CriStack:
    def __init__(self, base: Path):
        self.base = base
        self.registry = Registry(base / "registry")
        self.bridge = f"dyc{os.getpid() % 100000}"
        self.subnet = ""
        self.socket = base / "cri.sock"
        self.daemon: Daemon | None = None

    @property
    def endpoint(self) -> str:
        return f"unix://{self.socket}"

    def start(self) -> "CriStack":
        self.registry.start()
        cri_images.push_all(self.registry.address)
        self.subnet = free_subnet()
        conf_dir = self.base / "net.d"
        conf_dir.mkdir(parents=True)
        network = {"cniVersion": "1.0.0", "name": "cri-test", "plugins": [
            {"type": "bridge", "bridge": self.bridge, "isGateway": True, "ipMasq": True, "hairpinMode": True,
             "ipam": {"type": "host-local", "ranges": [[{"subnet": self.subnet}]], "routes": [{"dst": "0.0.0.0/0"}],
                      "dataDir": str(self.base / "ipam")}},
            {"type": "portmap", "capabilities": {"portMappings": True}, "snat": True}]}
        (conf_dir / "10-test.conflist").write_text(json.dumps(network))
        mirrors = [f"--registry-mirror={host}=http://{self.registry.address}" for host in cri_images.HOSTS]
        self.daemon = Daemon(self.base, "engine", extra_args=(
            "--cri-socket", self.endpoint, "--cni-conf-dir", str(conf_dir), "--cni-bin-dir", CNI_PLUGINS,
            *mirrors)).start(timeout=30)
        (self.base / "crictl.yaml").write_text(
            f"runtime-endpoint: {self.endpoint}\nimage-endpoint: {self.endpoint}\ntimeout: 60\n")
        return self

    def crictl_argv(self) -> list[str]:
        return [tool("crictl"), "--config", str(self.base / "crictl.yaml")]

    def crictl(self, *args: str, check: bool = True, timeout: float = 120, input: str | None = None):
        result = subprocess.run([*self.crictl_argv(), *args],
                                capture_output=True, text=True, timeout=timeout, input=input)
        if check and result.returncode != 0:
            raise AssertionError(f"crictl {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
        return result

    def write_json(self, name: str, value: dict) -> str:
        path = self.base / name
        path.write_text(json.dumps(value))
        return str(path)

    def client(self):
        """The generated stubs over the socket: (runtime stub, image stub, messages module)."""
        import grpc
        from dockyard.cri.generated import api_pb2, api_pb2_grpc
        channel = grpc.insecure_channel(self.endpoint)
        return api_pb2_grpc.RuntimeServiceStub(channel), api_pb2_grpc.ImageServiceStub(channel), api_pb2

    def stop(self) -> None:
        if self.daemon is not None:
            for pod in self.crictl("pods", "-q", check=False).stdout.split():
                self.crictl("rmp", "-f", pod, check=False)
            self.daemon.stop()
        self.registry.remove()
        subprocess.run(["ip", "link", "del", self.bridge], capture_output=True)   # the bridge plugin leaves it
        shutil.rmtree(self.base / "ipam", ignore_errors=True)


@contextmanager
def stack_or_skip(prefix: str) -> Iterator[CriStack]:
    """For a fixture: running_stack, or the test skipped with what the machine lacks."""
    reason = missing()
    if reason:
        pytest.skip(reason)
    with running_stack(prefix) as stack:
        yield stack


@contextmanager
def running_stack(prefix: str) -> Iterator[CriStack]:
    """A started stack on a temporary base (`stack_or_skip` skips when `missing()` says so);
    on exit it is stopped, and nothing may stay mounted under its base."""
    base = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    stack = CriStack(base).start()
    try:
        yield stack
    finally:
        stack.stop()
        leftovers = mounts_under(base)
        shutil.rmtree(base, ignore_errors=True)
    assert not leftovers, f"left mounted: {leftovers}"
