"""The floor under many-file work on this disk: GNU tar -x of the Debian layer, cp -a of its tree,
dockyard's extractor on the same tar (from a file, and as a stream), and a plain write of the
tar's bytes (the layer blob dockyard stores too), interleaved, each in a fresh directory, after a
sync (so one run's writeback does not land on the next).

    python -m bench.floor [--rounds 3] [--dir /var/tmp]

Prints wall and CPU (user + system) medians. Needs the Debian root (bench/real_images.py)."""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.real_images import debian_rootfs_tar

REPO = Path(__file__).resolve().parents[1]
EXTRACT = ("import sys; from dockyard.confined.extract import Extractor; e = Extractor(sys.argv[2]); "
           "e.extract_file(sys.argv[1]) if sys.argv[3] == 'file' else e.extract(open(sys.argv[1], 'rb'))")


def _timed(argv: list[str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, check=True, env={**os.environ, "PYTHONPATH": str(REPO / "src")})
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.floor", description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dir", default="/var/tmp", help="where the trees are made: the filesystem measured")
    args = parser.parse_args(argv)
    layer = str(debian_rootfs_tar())
    base = Path(tempfile.mkdtemp(prefix="dockyard-floor-", dir=args.dir))
    tree = base / "tree"
    tree.mkdir()
    subprocess.run(["tar", "-xf", layer, "-C", str(tree)], check=True)
    ways = {
        "GNU tar -x": lambda out: ["tar", "--xattrs", "-xf", layer, "-C", out],
        "dockyard extract_file": lambda out: [sys.executable, "-c", EXTRACT, layer, out, "file"],
        "dockyard extract (stream)": lambda out: [sys.executable, "-c", EXTRACT, layer, out, "stream"],
        "cp -a of the tree": lambda out: ["cp", "-a", f"{tree}/.", out],
        # dockyard stores each layer's tar as a blob besides its files (dockerd keeps tar-split
        # headers only): writing those bytes once more is part of every load, import and pull
        "dd of the layer tar (fsync)": lambda out: ["dd", f"if={layer}", f"of={out}/blob", "bs=1M",
                                                    "conv=fsync", "status=none"],
    }
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in ways}
    loads = [os.getloadavg()[0]]
    try:
        for _ in range(args.rounds):
            for name, argv in ways.items():
                out = base / "out"
                out.mkdir()
                subprocess.run(["sync"], check=True)
                samples[name].append(_timed(argv(str(out))))
                shutil.rmtree(out)
            loads.append(os.getloadavg()[0])
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print(f"load average (1 min) {min(loads):.1f}–{max(loads):.1f}, {args.rounds} rounds, interleaved")
    for name, values in samples.items():
        wall = statistics.median(v[0] for v in values)
        cpu = statistics.median(v[1] for v in values)
        print(f"{name:28} wall {wall:6.2f} s   cpu {cpu:5.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
