"""The same network measurements against a real dockerd, for the ratio.

Needs a private dockerd with a busybox image `bb:1` (made offline from busybox-static), e.g.

    ip link add dkn0 type bridge; ip addr add 10.213.60.1/24 dev dkn0; ip link set dkn0 up
    dockerd --host unix:///tmp/dkn/d.sock --data-root /tmp/dkn/root --exec-root /tmp/dkn/exec \\
        --pidfile /tmp/dkn/d.pid --iptables=false --ip-masq=false --bridge=dkn0 --ip 127.0.0.1 \\
        --default-address-pool base=10.213.128.0/17,size=24 &
    mkdir -p bb/bin; cp /bin/busybox bb/bin; for x in sh sleep true; do ln -s busybox bb/bin/$x; done
    tar -C bb -c . | docker -H unix:///tmp/dkn/d.sock import - bb:1
    .venv/bin/python bench/network_dockerd.py unix:///tmp/dkn/d.sock

(--iptables=false keeps dockerd's chains off the host; dockyard's numbers include iptables.)
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

import docker

sys.path.insert(0, str(Path(__file__).resolve().parent))
from network import throughput  # noqa: E402


def run_latency(client, modes: list[str], count: int) -> dict[str, float]:
    """Median ms of create + start + wait + remove of `true` per network mode (interleaved,
    so load from elsewhere on the host hits every mode alike)."""
    times: dict[str, list[float]] = {m: [] for m in modes}
    for _ in range(count):
        for mode in modes:
            start = time.perf_counter()
            ctr = client.containers.create("bb:1", ["true"], network_mode=mode)
            ctr.start()
            ctr.wait()
            ctr.remove()
            times[mode].append((time.perf_counter() - start) * 1000)
    return {m: statistics.median(v) for m, v in times.items()}


def netns_of(client, ctr) -> str:
    ctr.reload()
    return f"/proc/{ctr.attrs['State']['Pid']}/ns/net"


def main() -> None:
    sock = sys.argv[1] if len(sys.argv) > 1 else "unix:///tmp/dkn/d.sock"
    megabytes = int(sys.argv[2]) if len(sys.argv) > 2 else 256
    client = docker.DockerClient(base_url=sock)
    latency = run_latency(client, ["none", "bridge"], 15)
    none, bridge = latency["none"], latency["bridge"]
    print(f"dockerd run latency: none {none:.0f} ms, bridge {bridge:.0f} ms;"
          f" network share {bridge - none:.0f} ms")
    net = client.networks.create("benchnet-dkn", driver="bridge")
    # with --iptables=false dockerd adds no FORWARD accept for its bridge; br_netfilter
    # sends bridged frames through FORWARD, whose policy may be DROP
    accept = ["FORWARD", "-i", f"br-{net.id[:12]}", "-o", f"br-{net.id[:12]}", "-j", "ACCEPT"]
    subprocess.run(["iptables", "-I", *accept], check=True)
    started = []
    try:
        a = client.containers.run("bb:1", ["sleep", "3600"], detach=True, network="benchnet-dkn")
        b = client.containers.run("bb:1", ["sleep", "3600"], detach=True, network="benchnet-dkn",
                                  ports={"5001/tcp": ("127.0.0.1", 18558)})
        started += [a, b]
        b.reload()
        b_ip = b.attrs["NetworkSettings"]["Networks"]["benchnet-dkn"]["IPAddress"]
        print(f"dockerd container->container: "
              f"{throughput(netns_of(client, b), netns_of(client, a), b_ip, 5001, megabytes):.0f} MB/s")
        print(f"dockerd published port, host loopback (docker-proxy): "
              f"{throughput(netns_of(client, b), None, '127.0.0.1', 18558, megabytes):.0f} MB/s")
        times = []
        other = client.networks.create("benchnet-dkn2", driver="bridge")
        try:
            for _ in range(10):
                start = time.perf_counter()
                other.connect(a)
                other.disconnect(a)
                times.append((time.perf_counter() - start) * 1000)
        finally:
            other.remove()
        print(f"dockerd network connect+disconnect (API round trips): {statistics.median(times):.1f} ms")
    finally:
        for ctr in started:
            ctr.remove(force=True)
        net.remove()
        subprocess.run(["iptables", "-D", *accept], check=False)


if __name__ == "__main__":
    main()
