"""Network benchmark (root): setup time per container, and TCP throughput
container<->container, through a published port via the userland proxy (host loopback)
and via DNAT (from a netns standing in for another host).

    sudo .venv/bin/python bench/network.py [--containers 20] [--megabytes 512]

Everything runs on temporary roots with its own bridge and is torn down at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from dockyard.network import admin  # noqa: E402
from dockyard.network.service import NetworkService  # noqa: E402

CHUNK = 256 * 1024


@dataclass
class Config:
    bridge: str = "dyb0"
    bip: str | None = None
    iptables: bool = True
    resolv_conf: str | None = None
    hosts_file: str | None = None
    dns_port: int = 53


def sink(port: int) -> None:
    """Accept one connection, count bytes to EOF, print them."""
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("0.0.0.0", port))
    srv.listen(1)
    print("ready", flush=True)
    conn, _ = srv.accept()
    total = 0
    while data := conn.recv(CHUNK):
        total += len(data)
    print(total, flush=True)


def source(host: str, port: int, total: int) -> None:
    """Send `total` bytes; print the seconds it took."""
    buf = b"\0" * CHUNK
    start = time.perf_counter()
    with socket.create_connection((host, port)) as conn:
        sent = 0
        while sent < total:
            conn.sendall(buf)
            sent += len(buf)
        conn.shutdown(socket.SHUT_WR)
        conn.recv(1)
    print(time.perf_counter() - start, flush=True)


def _in(netns: str | None, *argv: str) -> list[str]:
    return (["nsenter", f"--net={netns}"] if netns else []) + [sys.executable, __file__, *argv]


def throughput(server_ns: str, client_ns: str | None, host: str, port: int, megabytes: int,
               sink_port: int = 5001) -> float:
    """MB/s of one TCP stream from client_ns to host:port, landing in server_ns."""
    server = subprocess.Popen(_in(server_ns, "sink", str(sink_port)), stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout.readline().strip() == "ready"
        out = subprocess.run(_in(client_ns, "source", host, str(port), str(megabytes << 20)),
                             capture_output=True, text=True, check=True, timeout=300)
        received = int(server.stdout.readline())
        return received / (1 << 20) / float(out.stdout)
    finally:
        server.kill()
        server.wait()


class Loop:
    def __init__(self):
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()

    def run(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(120)


def bench_setup(svc: NetworkService, loop: Loop, count: int, network: str) -> dict[str, list[float]]:
    phases: dict[str, list[float]] = {"netns": [], "connect": [], "publish": [], "release": []}
    for i in range(count):
        cid = f"bench{i:04d}"
        t0 = time.perf_counter()
        path = loop.run(svc.create_netns(cid))
        t1 = time.perf_counter()
        loop.run(svc.connect(cid, path, network, {}, cid, cid))
        t2 = time.perf_counter()
        loop.run(svc.publish(cid, {"80/tcp": [{"HostIp": "", "HostPort": ""}]}, None))
        t3 = time.perf_counter()
        loop.run(svc.release(cid))
        t4 = time.perf_counter()
        for name, value in zip(phases, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
            value *= 1000
            phases[name].append(value)
    return phases


def other_host_ns() -> str:
    ns = "dyb-otherhost"
    subprocess.run(["ip", "netns", "add", ns], check=True)
    for cmd in (
        ["ip", "link", "add", "dyb-oh0", "type", "veth", "peer", "name", "dyb-oh1", "netns", ns],
        ["ip", "addr", "add", "10.213.77.1/30", "dev", "dyb-oh0"],
        ["ip", "link", "set", "dyb-oh0", "up"],
        ["ip", "-n", ns, "addr", "add", "10.213.77.2/30", "dev", "dyb-oh1"],
        ["ip", "-n", ns, "link", "set", "dyb-oh1", "up"],
    ):
        subprocess.run(cmd, check=True)
    return f"/run/netns/{ns}"


def drop_other_host() -> None:
    subprocess.run(["ip", "link", "del", "dyb-oh0"], capture_output=True)
    subprocess.run(["ip", "netns", "del", "dyb-otherhost"], capture_output=True)


def main() -> None:
    args = argparse.ArgumentParser()
    args.add_argument("--containers", type=int, default=20)
    args.add_argument("--megabytes", type=int, default=512)
    opts = args.parse_args()
    base = Path(tempfile.mkdtemp(prefix="dockyard-bench-net-"))
    loop = Loop()
    svc = NetworkService(base / "data", base / "exec", None, Config())
    try:
        t = time.perf_counter()
        loop.run(svc.reconcile())
        print(f"daemon start (bridge, iptables chains): {(time.perf_counter() - t) * 1000:.1f} ms")
        loop.run(admin.create_network(svc, {"Name": "benchnet"}))
        for network in ("bridge", "benchnet"):
            phases = bench_setup(svc, loop, opts.containers, network)
            total = [sum(v) for v in zip(*phases.values())]
            parts = ", ".join(f"{k} {statistics.median(v):.1f}" for k, v in phases.items())
            print(f"setup per container on {network} (median ms): {parts};"
                  f" total {statistics.median(total):.1f} ms (n={opts.containers})")
        a = loop.run(svc.create_netns("tput-a"))
        b = loop.run(svc.create_netns("tput-b"))
        loop.run(svc.connect("tput-a", a, "benchnet", {}, "a", "a"))
        sb = loop.run(svc.connect("tput-b", b, "benchnet", {}, "b", "b"))
        loop.run(admin.create_network(svc, {"Name": "benchnet2"}))
        times = []
        for _ in range(10):
            t = time.perf_counter()
            loop.run(svc.connect("tput-a", a, "benchnet2", {}, "a", "a"))
            loop.run(svc.disconnect("tput-a", "benchnet2"))
            times.append((time.perf_counter() - t) * 1000)
        print(f"network connect+disconnect of a running container: {statistics.median(times):.1f} ms")
        mb = opts.megabytes
        print(f"container->container: {throughput(b, a, sb['IPAddress'], 5001, mb):.0f} MB/s")
        ports = loop.run(svc.publish("tput-b", {"5001/tcp": [{"HostIp": "", "HostPort": "18555"}]}, None))
        assert ports["5001/tcp"][0]["HostPort"] == "18555"
        print(f"published port, host loopback (userland proxy): "
              f"{throughput(b, None, '127.0.0.1', 18555, mb):.0f} MB/s")
        other = other_host_ns()
        print(f"published port, other host (DNAT): "
              f"{throughput(b, other, '10.213.77.1', 18555, mb):.0f} MB/s")
    finally:
        drop_other_host()
        loop.run(svc.teardown())
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "sink":
        sink(int(sys.argv[2]))
    elif len(sys.argv) > 1 and sys.argv[1] == "source":
        source(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        main()
