"""Network throughput with busybox nc: container to container on the default bridge, and
host to container through a published port (127.0.0.1 only).

busybox nc copies 1 KiB at a time, so these figures are bounded by nc's CPU use; what they
compare is the path's extra cost (bridge, veth, port proxy) at that rate on 2 cores."""

from __future__ import annotations

import socket
import time

from bench.shared import BUSYBOX_IMAGE, need_busybox
from bench.workload import Workload

PORT = 5001
TRANSFER = 64 * 1024 * 1024
LABEL = "dockyard.bench=1"
# The receiver keeps exactly TRANSFER bytes; when head exits, nc dies on its next write, and the
# sender sees the connection close. `-i` keeps nc's stdin open (an EOF there would end nc early).
SERVER_SCRIPT = f"while true; do nc -l -p {PORT} | head -c {TRANSFER} > /dev/null; done"


def _start_server(target, *publish: str) -> str:
    need_busybox(target)
    return target.out("run", "-di", "--label", LABEL, *publish, BUSYBOX_IMAGE, "sh", "-c", SERVER_SCRIPT)


def _wait_listening(target, server: str) -> None:
    target.docker("exec", server, "sh", "-c",
                  f"for i in $(seq 200); do netstat -ltn | grep -q ':{PORT} ' && exit 0; sleep 0.05; done;"
                  " exit 1")


def _c2c_setup(target) -> dict:
    server = _start_server(target)
    address = target.out("inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
                         server)
    if not address:
        target.remove_containers([server])
        raise RuntimeError("the server container has no IP address on the default network")
    client = target.out("run", "-d", "--label", LABEL, BUSYBOX_IMAGE, "sleep", "86400")
    return {"server": server, "client": client, "address": address}


def _c2c_run(target, state: dict) -> float:
    """MB/s, timed inside the client from /proc/uptime (10 ms ticks, ~1 s transfers)."""
    _wait_listening(target, state["server"])
    script = (f"a=$(cut -d' ' -f1 /proc/uptime); head -c {TRANSFER + (1 << 20)} /dev/zero"
              f" | nc {state['address']} {PORT} 2>/tmp/nc.err; b=$(cut -d' ' -f1 /proc/uptime);"
              " echo $a $b; cat /tmp/nc.err >&2")
    result = target.docker("exec", state["client"], "sh", "-c", script)
    errors = result.stderr.decode(errors="replace")
    if "can't connect" in errors:
        raise RuntimeError(f"nc: {errors.strip()}")
    start, end = map(float, result.stdout.split())
    return TRANSFER / 1e6 / max(end - start, 0.01)


def _c2c_teardown(target, state: dict) -> None:
    target.remove_containers([state["server"], state["client"]])


def _published_setup(target) -> dict:
    server = _start_server(target, "-p", f"127.0.0.1::{PORT}")
    binding = target.out("port", server, f"{PORT}/tcp").splitlines()[0]
    host, port = binding.rsplit(":", 1)
    return {"server": server, "host": host.strip("[]"), "port": int(port)}


def _published_run(target, state: dict) -> float:
    """MB/s from the harness on the host through the published port, until the server closes."""
    _wait_listening(target, state["server"])
    block = bytes(1 << 20)
    start = time.perf_counter()
    with socket.create_connection((state["host"], state["port"]), timeout=60) as sock:
        for _ in range(TRANSFER // len(block)):
            sock.sendall(block)
        sock.shutdown(socket.SHUT_WR)
        while sock.recv(65536):
            pass
    return TRANSFER / 1e6 / (time.perf_counter() - start)


def _published_teardown(target, state: dict) -> None:
    target.remove_containers([state["server"]])


def workloads() -> list[Workload]:
    return [
        Workload("net-c2c", "busybox nc container → container, 64 MiB (MB/s)", _c2c_run,
                 setup=_c2c_setup, teardown=_c2c_teardown, unit="MB/s", higher_is_better=True,
                 rounds=5, stage=70),
        Workload("net-published", "busybox nc behind -p 127.0.0.1::5001, 64 MiB from host (MB/s)",
                 _published_run, setup=_published_setup, teardown=_published_teardown, unit="MB/s",
                 higher_is_better=True, rounds=5, stage=70),
    ]
