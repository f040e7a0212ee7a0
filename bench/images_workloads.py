"""Moving a 160 MB, 5-layer image: save, load, push to and pull from a local registry."""

from __future__ import annotations

from bench.shared import BIG_IMAGE, need_big_image
from bench.workload import Workload

PULL_REPO = "bench/pull"


def save_run(image: str):
    """A run that times `docker save -o FILE image` (the file removed afterwards)."""
    def run(target, state) -> float:
        archive = target.workdir / "saved.tar"
        try:
            return target.timed("save", "-o", str(archive), image)
        finally:
            archive.unlink(missing_ok=True)
    return run


def _load_run(target, state) -> float:
    target.docker("rmi", "-f", BIG_IMAGE, check=False)   # so every layer is really loaded
    return target.timed("load", "-q", "-i", str(target.shared.big_archive()))


def _push_setup(target) -> str:
    need_big_image(target)
    reference = f"{target.shared.registry().address}/bench/push-{target.name}:latest"
    target.docker("tag", BIG_IMAGE, reference)
    return reference


def _push_run(target, reference: str) -> float:
    target.shared.registry().reset()    # an empty registry: every layer is uploaded
    return target.timed("push", "-q", reference)


def _untag(target, reference: str) -> None:
    target.docker("rmi", reference, check=False)


def _pull_setup(target) -> str:
    registry = target.shared.registry()
    # No local copy of the layers may exist, or the pull would skip them.
    target.docker("rmi", "-f", BIG_IMAGE, check=False)
    target.fixtures.pop("160 MB image", None)
    return f"{registry.address}/{PULL_REPO}:latest"


def _pull_run(target, reference: str) -> float:
    registry = target.shared.registry()
    if not registry.has_manifest(PULL_REPO, "latest"):   # a push round may have emptied it
        registry.upload(target.shared.big_image(), PULL_REPO)
    target.docker("rmi", "-f", reference, check=False)
    return target.timed("pull", "-q", reference)


def workloads() -> list[Workload]:
    return [
        Workload("save-160mb", "docker save -o FILE (160 MB, 5 layers)", save_run(BIG_IMAGE),
                 setup=need_big_image, rounds=3, stage=60),
        Workload("load-160mb", "docker load -i FILE (160 MB, 5 layers)", _load_run,
                 setup=need_big_image, rounds=3, stage=60),
        Workload("push-160mb", "docker push 127.0.0.1:PORT/... (160 MB, 5 layers)", _push_run,
                 setup=_push_setup, teardown=_untag, goal=0.8, rounds=3, warmup=0, stage=60),
        Workload("pull-160mb", "docker pull 127.0.0.1:PORT/... (160 MB, 5 layers)", _pull_run,
                 setup=_pull_setup, teardown=_untag, goal=0.6, rounds=3, warmup=0, stage=61),
    ]
