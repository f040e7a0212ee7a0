"""Real-image fixtures: a Debian bookworm minbase + python3 root made by mmdebstrap from
Debian's packages (the recipe, not the image, lives here), trees of many small files, and
images assembled from layer tars.

The Debian root takes ~15-90 s to make; it is kept in a cache directory
(`$DOCKYARD_BENCH_CACHE`, default /var/tmp/dockyard-bench-cache) and reused while it exists."""

from __future__ import annotations

import io
import json
import os
import random
import shutil
import subprocess
import tarfile
from pathlib import Path

from bench.images import GeneratedImage, busybox_rootfs_tar, dir_entry, sha256_file
from bench.workload import Unavailable

MMDEBSTRAP = ("mmdebstrap", "--variant=minbase", "--include=python3", "bookworm")
DEBIAN_TAR = "debian-bookworm-minbase-python3.tar"
DEBIAN_CONFIG = {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                 "Cmd": ["bash"]}


def cache_dir() -> Path:
    path = Path(os.environ.get("DOCKYARD_BENCH_CACHE", "/var/tmp/dockyard-bench-cache"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def debian_rootfs_tar() -> Path:
    """`mmdebstrap --variant=minbase --include=python3 bookworm out.tar`, made once and cached."""
    path = cache_dir() / DEBIAN_TAR
    if path.exists():
        return path
    if shutil.which("mmdebstrap") is None:
        raise Unavailable("mmdebstrap is not installed (run bench/setup)")
    partial = path.with_suffix(".partial.tar")
    path.with_suffix(".tar.gz").unlink(missing_ok=True)   # a registry copy of an older root
    result = subprocess.run([*MMDEBSTRAP, str(partial)], capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        partial.unlink(missing_ok=True)
        raise Unavailable(f"mmdebstrap failed: {result.stderr.strip().splitlines()[-1:]}")
    partial.rename(path)
    return path


def small_files_tree(directory: Path, count: int, seed: int = 7) -> Path:
    """`count` small text files (100 B - 4 KiB, like sources and configs) in 20 directories."""
    rng = random.Random(seed)
    for index in range(count):
        sub = directory / f"pkg{index % 20:02}"
        sub.mkdir(parents=True, exist_ok=True)
        words = " ".join(f"w{rng.randrange(10_000)}" for _ in range(rng.randrange(15, 600)))
        (sub / f"module{index:05}.py").write_text(f"# file {index}\nTEXT = {words!r}\n")
    return directory


def small_files_layer(path: Path, count: int) -> Path:
    """A layer tar of `count` small files under /srv/files (root-owned, fixed times)."""
    tree = small_files_tree(path.with_suffix(".d"), count)
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        tar.addfile(dir_entry("srv", 0o755))
        tar.addfile(dir_entry("srv/files", 0o755))
        for sub in sorted(tree.iterdir()):
            tar.addfile(dir_entry(f"srv/files/{sub.name}", 0o755))
            for file in sorted(sub.iterdir()):
                data = file.read_bytes()
                info = tarfile.TarInfo(f"srv/files/{sub.name}/{file.name}")
                info.size, info.mode, info.mtime = len(data), 0o644, 1_700_000_000
                tar.addfile(info, io.BytesIO(data))
    shutil.rmtree(tree)
    return path


def random_file_layer(path: Path, mib: int, seed: int) -> Path:
    """A layer of one incompressible `mib` MiB file (like a binary)."""
    data = random.Random(seed).randbytes(mib << 20)
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        tar.addfile(dir_entry("blobs", 0o755))
        info = tarfile.TarInfo(f"blobs/blob{seed}.bin")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return path


def image_of(directory: Path, layers: list[Path], config: dict | None = None) -> GeneratedImage:
    """An image whose layers are these uncompressed tars, bottom first."""
    diff_ids = ["sha256:" + sha256_file(layer) for layer in layers]
    body = json.dumps({
        "architecture": "amd64", "os": "linux", "created": "2026-01-01T00:00:00Z",
        "config": config or DEBIAN_CONFIG,
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [{"created": "2026-01-01T00:00:00Z", "created_by": f"bench {layer.name}"}
                    for layer in layers],
    }, sort_keys=True).encode()
    return GeneratedImage(layers, diff_ids, body, directory)


def debian_image(workdir: Path) -> GeneratedImage:
    """The Debian root as a one-layer image (the layer is the mmdebstrap tar itself)."""
    workdir.mkdir(parents=True, exist_ok=True)
    return image_of(workdir, [debian_rootfs_tar()])


def busybox_and_files_image(workdir: Path) -> GeneratedImage:
    """busybox (as the harness imports it, so it is already present) + 3,000 small files."""
    workdir.mkdir(parents=True, exist_ok=True)
    busybox = busybox_rootfs_tar(workdir / "busybox.tar")
    files = small_files_layer(workdir / "files3000.tar", 3000)
    return image_of(workdir, [busybox, files], {"Cmd": ["sh"]})


def mixed_image(workdir: Path) -> GeneratedImage:
    """busybox + 4 × 40 MiB random files + 3,000 small files (~170 MB)."""
    workdir.mkdir(parents=True, exist_ok=True)
    busybox = busybox_rootfs_tar(workdir / "busybox.tar")
    blobs = [random_file_layer(workdir / f"blob{i}.tar", 40, 4000 + i) for i in range(4)]
    files = small_files_layer(workdir / "files3000.tar", 3000)
    return image_of(workdir, [busybox, *blobs, files], {"Cmd": ["sh"]})
