"""The benchmark command: dockyardd (and dockerd when installed) on temporary roots, every
selected workload run through the real docker CLI against both, interleaved, then a table.

    python -m bench.run [--only NAME[,NAME]] [--rounds N] [--json OUT] [--markdown] [--list]
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import sys
import tempfile
from pathlib import Path

from bench import hostops, machine, report
from bench.daemons import REPO, Daemon, Dockerd, Dockyardd
from bench.results import Outcome, WorkloadResult
from bench.runner import run_workload
from bench.shared import Shared
from bench.target import Target
from bench.workload import Workload, discover, select


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", default=[],
                        help="workload name (repeatable, comma-separated; NAME* for a prefix); "
                             "also the way to run opt-in workloads such as max-containers")
    parser.add_argument("--rounds", type=int, help="measured rounds per workload (default: its own)")
    parser.add_argument("--json", type=Path, help="write every sample and reason to this file")
    parser.add_argument("--markdown", action="store_true", help="also print a Markdown table for the README")
    parser.add_argument("--no-dockerd", action="store_true", help="measure dockyard alone")
    parser.add_argument("--list", action="store_true", help="list workloads and exit")
    args = parser.parse_args(argv)
    args.only = [name for item in args.only for name in item.split(",") if name]
    return args


def start_targets(daemons: list[Daemon], shared: Shared, base: Path) -> tuple[list[Target], dict[str, str]]:
    """Targets for the daemons that started; for the others, why not."""
    targets, failed = [], {}
    for daemon in daemons:
        print(f"starting {daemon.name} …", file=sys.stderr, flush=True)
        try:
            daemon.start()
        except Exception as error:   # noqa: BLE001 - the other daemon can still be measured
            failed[daemon.name] = f"{daemon.name} did not start: {error}"
            print(failed[daemon.name], file=sys.stderr)
            continue
        targets.append(Target(daemon.name, daemon.host, base / f"{daemon.name}-work", daemon.marker,
                              daemon.process.pid, shared))
    return targets, failed


def measure(workloads: list[Workload], kinds: list[type[Daemon]], rounds: int | None) -> list[WorkloadResult]:
    base = Path(tempfile.mkdtemp(prefix="dockyard-bench-"))
    (base / "shared").mkdir()
    shared = Shared(base / "shared")
    daemons = [kind(base) for kind in kinds]
    targets: list[Target] = []
    try:
        targets, failed = start_targets(daemons, shared, base)
        results = [run_workload(w, targets, rounds) for w in workloads]
        for result in results:
            for name, why in failed.items():
                result.outcomes[name] = Outcome(failure=why)
        return results
    finally:
        cleanup(targets, daemons, shared, base)


def cleanup(targets: list[Target], daemons: list[Daemon], shared: Shared, base: Path) -> None:
    containers: list[str] = []
    for target in targets:
        try:
            ids = target.container_ids()
            containers += ids
            target.remove_containers(ids)
        except Exception:   # noqa: BLE001 - stopping the daemon is what matters now
            pass
    shared.close()
    for daemon in daemons:
        daemon.stop()
    killed = hostops.kill_container_leftovers(containers)
    if killed:
        print(f"warning: killed {killed} container processes that outlived their daemon", file=sys.stderr)
    left = hostops.unmount_under(base)
    if left:
        print(f"warning: still mounted under {base}: {left}", file=sys.stderr)
    else:
        shutil.rmtree(base, ignore_errors=True)


def daemons_to_run(no_dockerd: bool) -> list[type[Daemon]]:
    wanted: list[type[Daemon]] = [Dockyardd]
    if not no_dockerd and Dockerd.installed():
        wanted.append(Dockerd)
    elif not no_dockerd:
        print("dockerd is not installed (bench/setup installs docker.io): dockyard alone",
              file=sys.stderr)
    return wanted


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    everything = discover()
    if args.list:
        for w in everything:
            print(f"{w.name:22} {'(opt-in) ' if w.opt_in else ''}{w.command}")
        return 0
    chosen = select(everything, args.only)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    about = machine.describe(REPO)
    kinds = daemons_to_run(args.no_dockerd)
    results = measure(chosen, kinds, args.rounds)
    names = [kind.name for kind in kinds]
    table = report.rows(results, names)
    print("\n".join(f"{key}: {value}" for key, value in about.items()))
    print()
    print(report.text_table(table))
    notes = report.failure_notes(results)
    if notes:
        print("\nnotes:\n" + "\n".join(f"- {n}" for n in notes))
    if args.markdown:
        print("\n" + report.markdown_table(table, [r.command for r in results]))
    if args.json:
        args.json.write_text(json.dumps({"about": about, "targets": names,
                                         "results": [r.to_json() for r in results]}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
