"""What stands under `buildkit-17-cached`: the same cached build (17 steps) through `docker buildx
build` against dockyardd, against dockyardd whose builds take no time (`bench.no_build_daemon`:
what is left is buildx and BuildKit's protocol), and against dockerd when installed; beside them
the CLI starting the buildx plugin (`docker buildx version`: no daemon contact). Interleaved
rounds; medians and minimums. Run it under the bench lock, as `bench.run`.

    python -m bench.buildx_floor [--rounds 15] [--no-dockerd]"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import tempfile
from pathlib import Path

from bench.build_workloads import TAG, buildkit_cached_setup
from bench.daemons import REPO, Dockyardd
from bench.report import text_table
from bench.run import cleanup, daemons_to_run, start_targets
from bench.shared import Shared
from bench.target import Target


class NoBuildDockyardd(Dockyardd):
    name = "dockyard-no-build"
    bridge = "dynobuild0"

    def command(self) -> list[str]:
        python, _, module, *daemon_args = super().command()
        assert module == "dockyard.daemon"
        daemon_args[daemon_args.index("--bip") + 1] = "10.213.0.1/16"
        return [python, "-m", "bench.no_build_daemon", "--", *daemon_args]

    def environment(self) -> dict[str, str]:
        env = super().environment()
        env["PYTHONPATH"] = f"{env['PYTHONPATH']}:{REPO}"   # bench itself, for the wrapper
        return env


def rounds(targets: list[Target], contexts: dict[str, Path], count: int) -> dict[str, list[float]]:
    """Interleaved: each round builds once on every daemon, then times the plugin's start."""
    times: dict[str, list[float]] = {name: [] for name in [*contexts, "docker buildx version"]}
    for _ in range(count):
        for target in targets:
            times[target.name].append(target.timed("buildx", "build", "-q", "-t", TAG, str(contexts[target.name])))
        times["docker buildx version"].append(targets[0].timed("buildx", "version"))
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.buildx_floor", description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--no-dockerd", action="store_true")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    base = Path(tempfile.mkdtemp(prefix="dockyard-buildx-floor-"))
    (base / "shared").mkdir()
    shared = Shared(base / "shared")
    daemons = [kind(base) for kind in [NoBuildDockyardd, *daemons_to_run(args.no_dockerd)]]
    targets: list[Target] = []
    loads = [os.getloadavg()[0]]
    try:
        targets, failed = start_targets(daemons, shared, base)
        if failed:
            print("\n".join(failed.values()), file=sys.stderr)
            return 1
        contexts = {target.name: buildkit_cached_setup(target) for target in targets}
        for target in targets:   # warm-up: the no-build daemon's one real build, imports, caches
            target.timed("buildx", "build", "-q", "-t", TAG, str(contexts[target.name]))
        times = rounds(targets, contexts, args.rounds)
        loads.append(os.getloadavg()[0])
    finally:
        cleanup(targets, daemons, shared, base)
    table = [["", "median", "min"]] + [[name, f"{statistics.median(v) * 1000:.0f} ms", f"{min(v) * 1000:.0f} ms"]
                                       for name, v in times.items()]
    print(text_table(table))
    print(f"load average (1 min): {min(loads):.1f}-{max(loads):.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
