"""Container lifecycle: run, exec, parallel starts, ps, stdout throughput."""

from __future__ import annotations

import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

from bench.shared import BUSYBOX_IMAGE, need_busybox
from bench.target import CommandFailed, complaint
from bench.workload import Workload

STDOUT_BYTES = 50 * 1024 * 1024
PS_CONTAINERS = 300
PARALLEL_TOTAL, PARALLEL_AT_ONCE = 50, 10
LABEL = "dockyard.bench=1"


def _busybox(target) -> None:
    need_busybox(target)


def _run_rm(*network: str):
    return lambda target, state: target.timed("run", "--rm", *network, BUSYBOX_IMAGE, "true")


def _exec_setup(target) -> str:
    need_busybox(target)
    return target.out("run", "-d", "--label", LABEL, BUSYBOX_IMAGE, "sleep", "86400")


def _exec_run(target, container: str) -> float:
    return target.timed("exec", container, "true")


def _remove(target, container: str) -> None:
    target.remove_containers([container])


def _parallel_run(target, state) -> float:
    def start(_: int) -> str:
        return target.out("run", "-d", "--label", LABEL, BUSYBOX_IMAGE, "sleep", "86400")

    started = time.perf_counter()
    with ThreadPoolExecutor(PARALLEL_AT_ONCE) as pool:
        futures = [pool.submit(start, i) for i in range(PARALLEL_TOTAL)]
        ids, errors = [], []
        for future in futures:
            try:
                ids.append(future.result())
            except Exception as error:   # noqa: BLE001 - clean up what started, then report
                errors.append(error)
    elapsed = time.perf_counter() - started
    target.remove_containers(ids)
    if errors:
        raise errors[0]
    return elapsed


def _ps_setup(target) -> list[str]:
    need_busybox(target)
    with ThreadPoolExecutor(PARALLEL_AT_ONCE) as pool:
        return list(pool.map(lambda _: target.out("create", "--label", LABEL, BUSYBOX_IMAGE, "true"),
                             range(PS_CONTAINERS)))


def _ps_run(target, ids: list[str]) -> float:
    start = time.perf_counter()
    listed = target.out("ps", "-a").splitlines()
    elapsed = time.perf_counter() - start
    if len(listed) < PS_CONTAINERS + 1:
        raise RuntimeError(f"ps -a listed {len(listed) - 1} containers, expected {PS_CONTAINERS}")
    return elapsed


def _ps_teardown(target, ids: list[str]) -> None:
    target.remove_containers(ids)


def _stdout_run(target, state) -> float:
    """Time until the CLI has written all 50 MB to its stdout and exited."""
    argv = ["docker", "run", "--rm", BUSYBOX_IMAGE, "head", "-c", str(STDOUT_BYTES), "/dev/zero"]
    start = time.perf_counter()
    process = subprocess.Popen(argv, env=target.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    received = 0
    while chunk := process.stdout.read(1 << 16):
        received += len(chunk)
    stderr = process.stderr.read().decode(errors="replace")
    process.wait()
    elapsed = time.perf_counter() - start
    if process.returncode != 0:
        raise CommandFailed(f"docker run: {complaint(stderr)}")
    if received != STDOUT_BYTES:
        raise RuntimeError(f"received {received} of {STDOUT_BYTES} bytes")
    return elapsed


def workloads() -> list[Workload]:
    return [
        Workload("run-rm-true-nonet", "docker run --rm --network none busybox true",
                 _run_rm("--network", "none"), setup=_busybox, goal=0.15, rounds=10, stage=20),
        Workload("run-rm-true", "docker run --rm busybox true", _run_rm(), setup=_busybox,
                 goal=0.15, rounds=10, stage=20),
        Workload("exec-true", "docker exec C true", _exec_run, setup=_exec_setup, teardown=_remove,
                 goal=0.35, rounds=10, stage=20),
        Workload("run-d-50x10", "50 × docker run -d busybox sleep, 10 at a time", _parallel_run,
                 setup=_busybox, goal=0.2, rounds=3, stage=20),
        Workload("ps-a-300", "docker ps -a (300 containers)", _ps_run, setup=_ps_setup,
                 teardown=_ps_teardown, goal=0.4, rounds=10, stage=20),
        Workload("stdout-50mb", "docker run --rm busybox head -c 52428800 /dev/zero", _stdout_run,
                 setup=_busybox, goal=0.3, rounds=5, stage=20),
    ]
