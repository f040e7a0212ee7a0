"""Fixtures: a NetworkService on temporary roots, its event loop in a thread, and netns
"containers" (a pinned netns, optionally with a busybox process in it)."""

import asyncio
import os
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from dockyard.network.service import NetworkService

BUSYBOX = shutil.which("busybox") or "/bin/busybox"


@dataclass
class Config:
    bridge: str
    bip: str | None = None
    iptables: bool = True
    resolv_conf: str | None = None
    hosts_file: str | None = None
    dns_port: int = 53


class LoopThread:
    """An asyncio loop serving in the background; `run(coro)` waits for a result."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro, timeout=60):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self):
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


def in_netns(path: str, *argv: str, timeout: float = 10, check: bool = True):
    return subprocess.run(["nsenter", f"--net={path}", *argv], capture_output=True, text=True,
                          timeout=timeout, check=check)


@pytest.fixture
def roots():
    base = Path(tempfile.mkdtemp(prefix="dockyard-net-", dir="/tmp"))
    yield base
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def loop():
    lt = LoopThread()
    yield lt
    lt.stop()


@pytest.fixture
def make_service(roots, loop):
    """Build services (several may share roots to simulate a restart); all torn down after."""
    made = []
    upstream = roots / "resolv.conf"
    upstream.write_text(f"nameserver {FAKE_UPSTREAM}\nsearch example.test\n")

    def make(bridge="dyt0", containers=None, **kw):
        config = Config(bridge=bridge, resolv_conf=str(upstream), **kw)
        svc = NetworkService(roots / "data", roots / "exec", None, config, containers)
        made.append(svc)
        return svc

    yield make
    for svc in reversed(made):
        try:
            loop.run(svc.teardown())
        except Exception:
            pass


FAKE_UPSTREAM = "127.0.0.77"  # a loopback address of its own: the "host's resolver"


class _FakeResolver(asyncio.DatagramProtocol):
    """Answers `outside.test` with 10.9.9.9 and NXDOMAIN for anything else."""

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        from dockyard.network.dns import codec

        query = codec.parse(data)
        if query.questions[0].name == "outside.test":
            reply = codec.build_response(query, codec.NOERROR, ["10.9.9.9"])
        else:
            reply = codec.build_response(query, codec.NXDOMAIN)
        self.transport.sendto(reply, addr)


@pytest.fixture
def fake_upstream(loop):
    async def start():
        return await asyncio.get_running_loop().create_datagram_endpoint(
            _FakeResolver, local_addr=(FAKE_UPSTREAM, 53))

    transport, _ = loop.run(start())
    yield FAKE_UPSTREAM
    loop.loop.call_soon_threadsafe(transport.close)


@pytest.fixture
def procs():
    """Background processes (busybox servers) killed at the end of the test."""
    started = []

    def spawn(netns: str, *argv: str):
        p = subprocess.Popen(["nsenter", f"--net={netns}", *argv],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        started.append(p)
        return p

    yield spawn
    for p in started:
        p.kill()
        p.wait()


def eventually(check, timeout=5.0):
    """True once check() is; the kernel frees a netns (and its veths) asynchronously."""
    import time

    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def require_root():
    if os.geteuid() != 0:
        pytest.skip("needs root")
