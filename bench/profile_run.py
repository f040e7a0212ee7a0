"""Profile dockyardd while it serves N `docker run --rm busybox true` (or N `docker exec C true`
with `--workload exec`, or N rounds of 50 `docker run -d busybox sleep`, 10 at a time, with
`--workload run-d`), then print its hottest functions and the CPU time it took. Uses pyinstrument when installed
(`pip install .[bench]`), else cProfile.

    python -m bench.profile_run [-n 20] [--workload run|exec|run-d] [--profiler cprofile|pyinstrument|none] [--keep FILE]

Only the daemon's main thread (the event loop) is profiled; work pushed to threads shows as
the await that waits for it. `--profiler none` prints the request timeline alone, without a
profiler's slowdown. When containers do not run yet, the script says so and profiles whatever
the daemon did for the failing requests."""

from __future__ import annotations

import argparse
import importlib.util
import io
import os
import pstats
import shutil
import signal
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench import hostops
from bench.daemons import REPO, Dockyardd
from bench.shared import BUSYBOX_IMAGE, Shared, need_busybox
from bench.target import Target
from bench.report import text_table
from bench.timing_proxy import Exchange, TimingProxy, endpoint_table, timeline
from bench.workload import Unavailable

# Time the loop spends waiting for I/O is not work; it is left out of the cProfile tables.
IDLE = ("select.epoll", "selectors.py", "{method 'poll'", "{method 'control'")


class ProfiledDockyardd(Dockyardd):
    def __init__(self, base: Path, profiler: str):
        super().__init__(base)
        self.profiler = profiler
        self.output = self.base / ("profile.txt" if profiler == "pyinstrument" else "profile.pstats")

    def command(self) -> list[str]:
        if self.profiler == "none":
            return super().command()
        python, _, module, *daemon_args = super().command()
        assert module == "dockyard.daemon"
        return [python, "-m", "bench.profiled_daemon", self.profiler, str(self.output), "--", *daemon_args]

    def environment(self) -> dict[str, str]:
        env = super().environment()
        env["PYTHONPATH"] = f"{env['PYTHONPATH']}:{REPO}"   # bench itself, for the wrapper
        return env

    def profile(self, on: bool) -> None:
        """Start (SIGUSR1) or stop and write (SIGUSR2) the profile."""
        if self.profiler == "none":
            return
        self.process.send_signal(signal.SIGUSR1 if on else signal.SIGUSR2)
        if not on:
            deadline = time.monotonic() + 30
            while not self.output.exists() and time.monotonic() < deadline:
                time.sleep(0.05)


PARALLEL_TOTAL, PARALLEL_AT_ONCE = 50, 10     # as bench's run-d-50x10


def profiled_command(target: Target, workload: str) -> list[str]:
    """The CLI arguments of one profiled run; `exec` first starts the container it enters."""
    if workload == "exec":
        container = target.out("run", "-d", BUSYBOX_IMAGE, "sleep", "86400")
        return ["exec", container, "true"]
    if workload == "run-d":
        return ["run", "-d", BUSYBOX_IMAGE, "sleep", "86400"]
    return ["run", "--rm", BUSYBOX_IMAGE, "true"]


def warm_up(target: Target, workload: str) -> tuple[list[str] | None, str | None]:
    """The image, and one run so that lazy imports and caches are not profiled: the command to
    profile, or why not."""
    try:
        need_busybox(target)
        command = profiled_command(target, workload)
        target.docker(*command)
    except Unavailable as error:
        return None, str(error)
    return command, None


def serve_runs(target: Target, command: list[str], count: int) -> tuple[list[float], str | None]:
    """Run the docker command count times; returns timings, or why it stopped."""
    timings = []
    for _ in range(count):
        try:
            timings.append(target.timed(*command))
        except Unavailable as error:
            return timings, str(error)
    return timings, None


def serve_parallel(target: Target, command: list[str], count: int) -> tuple[list[float], str | None]:
    """count rounds of PARALLEL_TOTAL runs of the command, PARALLEL_AT_ONCE at a time (the
    containers stay until the end: removing them would be profiled too)."""
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        with ThreadPoolExecutor(PARALLEL_AT_ONCE) as pool:
            try:
                list(pool.map(lambda _: target.out(*command), range(PARALLEL_TOTAL)))
            except Unavailable as error:
                return timings, str(error)
        timings.append(time.perf_counter() - started)
    return timings, None


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (/proc/<pid>/stat, clock ticks)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _last_run(exchanges: list[Exchange]) -> list[Exchange]:
    """The requests of the last CLI command: from its last `_ping` (the CLI's first request) on."""
    pings = [e for e in exchanges if e.endpoint.endswith("/_ping")]
    if not pings:
        return exchanges[-8:]
    start = max(p.sent for p in pings)
    return [e for e in exchanges if e.sent >= start]


def cprofile_report(path: Path, top: int) -> str:
    out = io.StringIO()
    stats = pstats.Stats(str(path), stream=out)
    stats.strip_dirs()
    for key, title in (("tottime", "own time"), ("cumulative", "cumulative time")):
        out.write(f"\n== top {top} functions by {title} (idle polling excluded) ==\n")
        rows = sorted(stats.stats.items(), key=lambda kv: kv[1][2 if key == "tottime" else 3], reverse=True)
        shown = 0
        out.write(f"{'calls':>9} {'own s':>8} {'cum s':>8}  function\n")
        for (file, line, name), (cc, nc, tt, ct, callers) in rows:
            label = f"{file}:{line}({name})"
            if any(marker in label for marker in IDLE):
                continue
            out.write(f"{nc:>9} {tt:>8.3f} {ct:>8.3f}  {label}\n")
            shown += 1
            if shown == top:
                break
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_run", description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--runs", type=int, default=20)
    parser.add_argument("--workload", choices=("run", "exec", "run-d"), default="run",
                        help="`docker run --rm busybox true` (default), `docker exec C true`, or "
                             f"rounds of {PARALLEL_TOTAL} `docker run -d`, {PARALLEL_AT_ONCE} at a time")
    parser.add_argument("--profiler", choices=("cprofile", "pyinstrument", "none"),
                        default="pyinstrument" if importlib.util.find_spec("pyinstrument") else "cprofile")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--keep", type=Path, help="copy the raw profile here")
    args = parser.parse_args(argv)

    base = Path(tempfile.mkdtemp(prefix="dockyard-profile-"))
    (base / "shared").mkdir()
    shared = Shared(base / "shared")
    daemon = ProfiledDockyardd(base, args.profiler)
    try:
        daemon.start()
        proxy = TimingProxy(base / "proxy.sock", daemon.socket).start()
        target = Target("dockyard", f"unix://{proxy.listen}", base / "work", daemon.marker,
                        daemon.process.pid, shared)
        command, warm_failure = warm_up(target, args.workload)
        daemon.profile(on=True)
        proxy.exchanges.clear()
        started, cpu_before = time.perf_counter(), cpu_seconds(daemon.process.pid)
        serve = serve_parallel if args.workload == "run-d" else serve_runs
        timings, failure = serve(target, command, args.runs) if command else ([], None)
        wall, cpu = time.perf_counter() - started, cpu_seconds(daemon.process.pid) - cpu_before
        daemon.profile(on=False)
        time.sleep(0.2)   # let the last connections close, which ends their exchanges
        exchanges = list(proxy.exchanges)
        proxy.stop()
        failure = warm_failure or failure
        target.remove_all_containers()
        daemon.stop()
        print(f"profiler: {args.profiler}; {len(timings)} of {args.runs} runs in {wall:.2f}s; "
              f"the daemon's CPU: {cpu:.2f}s")
        if timings:
            print(f"per run: median {sorted(timings)[len(timings) // 2] * 1000:.0f} ms, "
                  f"min {min(timings) * 1000:.0f} ms")
        if failure:
            print(f"containers do not run yet: {failure}\n"
                  "(the profile below covers only what the daemon did for these requests)")
        print("\nAPI requests as the CLI saw them (median over the runs):")
        print(text_table(endpoint_table(exchanges)))
        last_run = _last_run(exchanges)
        if last_run:
            print("\nthe last run, ms from its first request:")
            print(text_table(timeline(last_run)))
        print()
        if args.profiler == "none":
            return 0
        if not daemon.output.exists():
            print(f"no profile written; daemon log:\n{daemon.log_tail()}")
            return 1
        if args.keep:
            shutil.copy(daemon.output, args.keep)
        if args.profiler == "pyinstrument":
            print(daemon.output.read_text())
        else:
            print(cprofile_report(daemon.output, args.top))
        return 0
    finally:
        daemon.stop()
        shared.close()
        if not hostops.unmount_under(base):
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
