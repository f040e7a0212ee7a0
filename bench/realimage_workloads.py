"""Real images (issue 14): a Debian bookworm minbase + python3 root (216 MB, ~10,300 entries)
and layers of thousands of small files — where per-file work, not bytes, sets the pace."""

from __future__ import annotations

from pathlib import Path

from bench.images import save_archive
from bench.images_workloads import save_run
from bench.real_images import (busybox_and_files_image, debian_image, debian_rootfs_tar,
                               mixed_image, small_files_tree)
from bench.shared import fixture, need_busybox
from bench.workload import Workload

DEBIAN = "bench/debian:latest"
BUILD_TAG = "bench/debian-build:latest"
COMMITTED = "bench/debian-commit:latest"
IMPORTED = "bench/debian-import:latest"
COMMIT_SOURCE = "bench-commit-source"
BUILD_FILES = 2000
DOCKERFILE = """\
FROM bench/debian:latest
COPY files/ /app/files/
RUN python3 -c "import os; print(sum(len(f) for _, _, f in os.walk('/app/files')))"
"""


def _debian_archive(target) -> Path:
    image = target.shared.made("debian", debian_image)
    return target.shared.made("debian-archive", lambda d: save_archive(image, DEBIAN, d.with_suffix(".tar")))


def need_debian(target) -> None:
    fixture(target, "Debian image", lambda: target.docker("load", "-q", "-i", str(_debian_archive(target))))


# ---- build, commit, run, save, load, import ------------------------------------------------

def _build_setup(target) -> Path:
    need_debian(target)
    context = target.workdir / "debian-build"
    if not context.exists():
        small_files_tree(context / "files", BUILD_FILES)
        (context / "Dockerfile").write_text(DOCKERFILE)
    return context


def _build_run(target, context: Path) -> float:
    return target.timed("build", "-q", "--no-cache", "-t", BUILD_TAG, str(context))


def _build_teardown(target, context: Path) -> None:
    target.docker("rmi", "-f", BUILD_TAG, check=False)
    target.docker("image", "prune", "-f", check=False)


def _commit_setup(target) -> str:
    need_debian(target)
    target.docker("rm", "-f", COMMIT_SOURCE, check=False)
    target.docker("run", "--name", COMMIT_SOURCE, DEBIAN, "cp", "-a", "/usr/lib/python3.11", "/copy")
    return COMMIT_SOURCE


def _commit_run(target, container: str) -> float:
    try:
        return target.timed("commit", container, COMMITTED)
    finally:
        target.docker("rmi", "-f", COMMITTED, check=False)


def _commit_teardown(target, container: str) -> None:
    target.remove_containers([container])


def _run_python(target, state) -> float:
    return target.timed("run", "--rm", DEBIAN, "python3", "-c", "print(1)")


def _load_run(target, state) -> float:
    target.docker("rmi", "-f", DEBIAN, check=False)      # every layer really loaded
    return target.timed("load", "-q", "-i", str(_debian_archive(target)))


def _import_setup(target) -> Path:
    return debian_rootfs_tar()


def _import_run(target, rootfs: Path) -> float:
    try:
        return target.timed("import", str(rootfs), IMPORTED)
    finally:
        target.docker("rmi", "-f", IMPORTED, check=False)


# ---- pulls from the local registry ---------------------------------------------------------

def _pull(repo: str, make, base: str | None):
    """A pull workload's setup and run: the image uploaded once, the local copy removed before
    each pull (untimed). `base` is the local image its first layer comes from (kept)."""
    def setup(target) -> str:
        if base == "busybox":
            need_busybox(target)
        if base == "debian":     # the loaded copy holds the same layer: it must go
            target.docker("rmi", "-f", DEBIAN, check=False)
            target.fixtures.pop("Debian image", None)
        registry = target.shared.registry()
        if not registry.has_manifest(repo, "latest"):
            registry.upload(target.shared.made(repo, make), repo)
        return f"{registry.address}/{repo}:latest"

    def run(target, reference: str) -> float:
        target.docker("rmi", "-f", reference, check=False)
        return target.timed("pull", "-q", reference)

    def teardown(target, reference: str) -> None:
        target.docker("rmi", "-f", reference, check=False)

    return {"setup": setup, "run": run, "teardown": teardown}


def workloads() -> list[Workload]:
    return [
        Workload("deb-build-copy2000", "docker build --no-cache FROM debian: COPY 2,000 small files "
                 "+ RUN python3", _build_run, setup=_build_setup, teardown=_build_teardown,
                 goal=0.5, rounds=3, stage=55),
        Workload("deb-commit-pylib", "docker commit after cp -a /usr/lib/python3.11 /copy",
                 _commit_run, setup=_commit_setup, teardown=_commit_teardown, goal=0.5, rounds=5,
                 stage=55),
        Workload("deb-run-python", "docker run --rm debian python3 -c 'print(1)'", _run_python,
                 setup=need_debian, goal=0.5, rounds=5, stage=55),
        Workload("deb-save", "docker save -o FILE debian (216 MB, 1 layer)", save_run(DEBIAN),
                 setup=need_debian, goal=0.5, rounds=3, stage=55),
        Workload("deb-load", "docker load -i FILE of debian (10,302 entries)", _load_run,
                 setup=need_debian, goal=0.5, rounds=3, stage=55),
        Workload("deb-import", "docker import of the mmdebstrap tar (216 MB, 10,302 entries)",
                 _import_run, setup=_import_setup, goal=0.5, rounds=3, stage=55),
        Workload("pull-mixed-170mb", "docker pull: busybox + 4 × 40 MiB random files + 3,000 small "
                 "files", **_pull("bench/pull-mixed", mixed_image, "busybox"), goal=0.5, rounds=3,
                 warmup=0, stage=62),
        Workload("pull-3000-files", "docker pull of a layer of 3,000 small files (busybox present)",
                 **_pull("bench/pull-files", busybox_and_files_image, "busybox"), goal=0.4,
                 rounds=3, warmup=0, stage=62),
        Workload("deb-pull", "docker pull of debian (gzip, 10,302 entries)",
                 **_pull("bench/pull-debian", debian_image, "debian"), goal=0.4, rounds=3,
                 warmup=0, stage=62),
    ]
