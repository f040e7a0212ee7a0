"""Where a docker command's time goes in dockyardd: py-spy samples every thread of the daemon
(GIL-free work such as hashing, inflating and system calls included) while the command runs.

    python -m bench.profile_cli [-n 3] [--setup 'rmi -f IMG'] -- load -q -i FILE
    python -m bench.profile_cli --top 25 --keep /tmp/p.txt -- import ROOTFS.tar bench/x
    python -m bench.profile_cli --once 'load -i FILE' --once 'run --name c IMG cp -a /usr /copy' \
        --setup 'rmi -f committed' -- commit c committed

Prints the wall time of each run and, over all runs, the functions with the most samples:
`self` where the sample was taken, `total` anywhere on the stack (py-spy `--format raw`:
collapsed stacks, one per thread and sample). Needs py-spy (bench/setup installs it)."""

from __future__ import annotations

import argparse
import collections
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.support.daemon import Daemon

RATE = 250


def aggregate(lines: list[str]) -> tuple[collections.Counter, collections.Counter, int]:
    """(self samples, total samples) per frame from collapsed stacks `a;b;c N`."""
    own: collections.Counter = collections.Counter()
    total: collections.Counter = collections.Counter()
    count = 0
    for line in lines:
        stack, _, n = line.rstrip().rpartition(" ")
        if not stack or not n.isdigit():
            continue
        frames = [_short(f) for f in stack.split(";")]
        own[frames[-1]] += int(n)
        for frame in set(frames):
            total[frame] += int(n)
        count += int(n)
    return own, total, count


def _short(frame: str) -> str:
    """`function (path/to/module.py:12)` → `function (module.py)`."""
    name, _, where = frame.partition(" (")
    module = where.split(":")[0].rsplit("/", 1)[-1]
    return f"{name} ({module})" if module else name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_cli", description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=3, help="profiled runs")
    parser.add_argument("--once", action="append", default=[],
                        help="docker arguments run once before profiling (e.g. 'load -i FILE')")
    parser.add_argument("--setup", action="append", default=[],
                        help="docker arguments run (untimed, unprofiled) before the first and each run")
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--keep", type=Path, help="keep py-spy's collapsed stacks here")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if shutil.which("py-spy") is None and not Path(sys.executable).with_name("py-spy").exists():
        print("py-spy is not installed (bench/setup)", file=sys.stderr)
        return 1
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    base = Path(tempfile.mkdtemp(prefix="dockyard-profile-", dir="/var/tmp"))
    daemon = Daemon(base, "p", ("--log-level", "error")).start()
    raw = args.keep or base / "stacks.txt"
    try:
        def docker(*words: str) -> float:
            start = time.perf_counter()
            subprocess.run(["docker", *words], env=daemon.env, check=True, capture_output=True)
            return time.perf_counter() - start

        for setup in args.once + args.setup:
            docker(*setup.split())
        spy = subprocess.Popen([py_spy, "record", "--pid", str(daemon.process.pid), "--rate", str(RATE),
                                "--threads", "--idle", "--nonblocking", "--format", "raw",
                                "--output", str(raw)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1)
        for index in range(args.n):
            print(f"run {index + 1}: {docker(*command):.2f} s (load {os.getloadavg()[0]:.1f})")
            for setup in args.setup:
                docker(*setup.split())
        spy.send_signal(2)
        spy.wait(60)
    finally:
        daemon.stop()
        own, total, count = aggregate(raw.read_text().splitlines() if raw.exists() else [])
        shutil.rmtree(base, ignore_errors=True)
    idle = sum(n for frame, n in own.items() if _waiting(frame))
    print(f"\n{count} samples ({count / RATE:.1f} thread-seconds), {idle} of them waiting "
          "(select, locks, reads of sockets)")
    print(f"\n{'self':>6} {'total':>6}  frame (busy samples only in 'self')")
    for frame, n in own.most_common():
        if not _waiting(frame):
            print(f"{n:6} {total[frame]:6}  {frame}")
            args.top -= 1
            if args.top <= 0:
                break
    return 0


def _waiting(frame: str) -> bool:
    return frame.split(" (")[0] in ("select", "wait", "_wait_for_tstate_lock", "acquire", "poll",
                                    "epoll_wait", "recv_into", "recv", "accept", "sleep", "_worker")


if __name__ == "__main__":
    sys.exit(main())
