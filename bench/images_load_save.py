"""Benchmark: `docker load` and `docker save` of a 160 MB image whose layer has 3000 files.

Runs the same workload against dockyardd and, when `dockerd` is installed, a private dockerd;
prints the median of each and the ratio (dockyard time / dockerd time: below 1 is faster).

    python bench/images_load_save.py [--runs 5]
"""

import argparse
import hashlib
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "src"))

from tests.support.daemon import Daemon  # noqa: E402
from tests.support.dockerd import PrivateDockerd  # noqa: E402

FILES = 3000
TOTAL = 160 * 1000 * 1000
TAG = "bench:160m"


def make_archive(path: Path) -> None:
    """A docker-archive with one layer of FILES incompressible files, TOTAL bytes in all."""
    layer_path = path.with_suffix(".layer")
    size = TOTAL // FILES
    with tarfile.open(layer_path, "w", format=tarfile.PAX_FORMAT) as layer:
        for d in range(30):
            info = tarfile.TarInfo(f"data/d{d:02}")
            info.type, info.mode = tarfile.DIRTYPE, 0o755
            layer.addfile(info)
        for i in range(FILES):
            info = tarfile.TarInfo(f"data/d{i % 30:02}/f{i:05}")
            info.size, info.mode = size, 0o644
            layer.addfile(info, io.BytesIO(os.urandom(size)))
    digest = "sha256:" + _sha256_file(layer_path)
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Cmd": ["sh"]},
                         "created": "2026-01-01T00:00:00Z",
                         "rootfs": {"type": "layers", "diff_ids": [digest]}}).encode()
    manifest = json.dumps([{"Config": "config.json", "RepoTags": [TAG],
                            "Layers": ["layer/layer.tar"]}]).encode()
    with tarfile.open(path, "w") as archive:
        archive.add(layer_path, "layer/layer.tar")
        for name, data in (("config.json", config), ("manifest.json", manifest)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    layer_path.unlink()


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def timed(env: dict, *args: str) -> float:
    start = time.perf_counter()
    subprocess.run(["docker", *args], env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def measure(env: dict, archive: Path, out_dir: Path, runs: int) -> tuple[float, float]:
    loads, saves = [], []
    for i in range(runs):
        subprocess.run(["docker", "rmi", "-f", TAG], env=env, capture_output=True)
        loads.append(timed(env, "load", "-q", "-i", str(archive)))
        target = out_dir / f"saved-{i}.tar"
        saves.append(timed(env, "save", "-o", str(target), TAG))
        target.unlink()
    subprocess.run(["docker", "rmi", "-f", TAG], env=env, capture_output=True)
    return statistics.median(loads), statistics.median(saves)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="dockyard-bench-", dir="/var/tmp"))
    try:
        archive = base / "image.tar"
        make_archive(archive)
        print(f"image archive: {archive.stat().st_size / 1e6:.0f} MB, {FILES} files")
        daemon = Daemon(base, "bench", ("--log-level", "error")).start()
        try:
            ours = measure(daemon.env, archive, base, args.runs)
        finally:
            daemon.stop()
        print(f"dockyardd  load {ours[0]:.2f}s  save {ours[1]:.2f}s  (median of {args.runs})")
        if shutil.which("dockerd") is None:
            print("dockerd    not installed: no comparison")
            return
        dockerd = PrivateDockerd(base / "dockerd")
        try:
            theirs = measure(dockerd.start().env, archive, base, args.runs)
        finally:
            dockerd.stop()
        print(f"dockerd    load {theirs[0]:.2f}s  save {theirs[1]:.2f}s  (median of {args.runs})")
        print(f"ratio (dockyard/dockerd)  load {ours[0] / theirs[0]:.2f}  save {ours[1] / theirs[1]:.2f}")
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
