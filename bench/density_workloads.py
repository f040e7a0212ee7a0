"""Density and latency under load (issue 14): 500 running `sleep` containers (the daemon's
own RSS, the PSS each container adds, `docker ps` latency), and the Engine API's answer to
`GET /containers/json` while 50 `docker run` start in parallel."""

from __future__ import annotations

import statistics
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

from bench.procs import daemon_processes, parent_pid, pss_kib, rss_kib
from bench.replay import Replayer, record, timed_against
from bench.shared import BUSYBOX_IMAGE, need_busybox
from bench.workload import Workload

SLEEPERS, AT_ONCE = 500, 10
BURST = 50
LABEL = "dockyard.bench=1"


def _core_processes(target) -> list[int]:
    """The daemon and its direct children (containerd; the shim zygote): not the shims, which
    detach from it, nor the containers."""
    pids = daemon_processes(target.marker, target.daemon_pid)
    return [pid for pid in pids if pid == target.daemon_pid or parent_pid(pid) == target.daemon_pid]


def _need_sleepers(target) -> dict:
    kept = target.kept.get("sleepers")
    if kept is None:
        need_busybox(target)
        before = sum(pss_kib(pid) for pid in daemon_processes(target.marker, target.daemon_pid))
        started = time.perf_counter()
        with ThreadPoolExecutor(AT_ONCE) as pool:
            ids = list(pool.map(lambda _: target.out("run", "-d", "--label", LABEL, BUSYBOX_IMAGE,
                                                     "sleep", "86400", timeout=300), range(SLEEPERS)))
        kept = target.kept["sleepers"] = {"ids": ids, "pss_before_kib": before,
                                          "start_s": time.perf_counter() - started}
        time.sleep(2)   # let lazily started helpers settle
    return kept


def _daemon_rss(target, kept) -> float:
    return sum(rss_kib(pid) for pid in _core_processes(target)) / 1024


def _pss_per_container(target, kept) -> float:
    after = sum(pss_kib(pid) for pid in daemon_processes(target.marker, target.daemon_pid))
    return (after - kept["pss_before_kib"]) / 1024 / len(kept["ids"])


def _ps_run(target, kept) -> float:
    start = time.perf_counter()
    listed = target.out("ps").splitlines()
    elapsed = time.perf_counter() - start
    if len(listed) < SLEEPERS + 1:
        raise RuntimeError(f"ps listed {len(listed) - 1} containers, expected {SLEEPERS}")
    return elapsed


def _need_replayed_ps(target) -> dict:
    """The CLI's floor for `docker ps` with 500 running: its answers, recorded from this daemon,
    served from memory."""
    kept = _need_sleepers(target)
    if "ps_replayer" not in kept:
        answers = record(target.host, ["ps"], target.env, str(target.workdir / "ps-record.sock"))
        kept["ps_replayer"] = Replayer(str(target.workdir / "ps-replay.sock"), answers)
    return kept


def _replayed_ps_run(target, kept) -> float:
    return timed_against(kept["ps_replayer"], ["ps"], target.env)


def _remove_sleepers(target, kept) -> None:
    kept = target.kept.pop("sleepers", {"ids": []})
    if "ps_replayer" in kept:
        kept["ps_replayer"].close()
    target.remove_containers(kept["ids"])


def _ps_during_runs(target, state) -> float:
    """90th percentile of GET /containers/json latencies while 50 `docker run -d` run at once."""
    argv = ["docker", "run", "-d", "--label", LABEL, BUSYBOX_IMAGE, "sleep", "86400"]
    runs = [subprocess.Popen(argv, env=target.env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            for _ in range(BURST)]
    latencies = []
    try:
        while any(run.poll() is None for run in runs):
            latencies.append(target.api_get("/v1.41/containers/json"))
            time.sleep(0.01)
    finally:
        ids = [run.communicate()[0].decode().strip() for run in runs]
        target.remove_containers([i for i in ids if i])
    if len(latencies) < 5:
        raise RuntimeError(f"only {len(latencies)} requests during the burst")
    return statistics.quantiles(latencies, n=10)[-1]


def workloads() -> list[Workload]:
    return [
        Workload("density-500-daemon-rss", "RSS of the daemon (+ containerd / shim zygote) with "
                 "500 running busybox sleep", _daemon_rss, setup=_need_sleepers, unit="MiB",
                 goal=0.5, rounds=1, warmup=0, opt_in=True, stage=90),
        Workload("density-500-pss-per-container", "PSS added per running container, 500 running",
                 _pss_per_container, setup=_need_sleepers, unit="MiB", goal=0.5, rounds=1,
                 warmup=0, opt_in=True, stage=90),
        Workload("density-500-ps-replayed", "docker ps with 500 running, answered from memory (the "
                 "CLI's floor: the daemon's answers recorded, then replayed)", _replayed_ps_run,
                 setup=_need_replayed_ps, rounds=5, opt_in=True, stage=90),
        Workload("density-500-ps", "docker ps with 500 running", _ps_run, setup=_need_sleepers,
                 teardown=_remove_sleepers, goal=0.5, rounds=5, opt_in=True, stage=90),
        Workload("ps-during-50-runs", "GET /containers/json (p90) while 50 docker run -d start at once",
                 _ps_during_runs, setup=need_busybox, limit=0.05, rounds=3, warmup=0, stage=25),
    ]
