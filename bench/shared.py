"""Resources shared by workloads and made only when a selected workload needs them: the
busybox rootfs, the 160 MB image, the registry; and per-target fixtures (images loaded)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bench.images import (BUSYBOX_CHANGES, GeneratedImage, busybox_rootfs_tar, random_layers_image,
                          save_archive)
from bench.registry import Registry
from bench.workload import Unavailable

BUSYBOX_IMAGE = "busybox:latest"
BIG_IMAGE = "bench/big:latest"


class Shared:
    def __init__(self, workdir: Path):
        self.workdir = workdir
        self._busybox: Path | None = None
        self._big: GeneratedImage | None = None
        self._big_archive: Path | None = None
        self._registry: Registry | None = None
        self._made: dict[str, object] = {}

    def busybox_tar(self) -> Path:
        if self._busybox is None:
            self._busybox = busybox_rootfs_tar(self.workdir / "busybox-rootfs.tar")
        return self._busybox

    def big_image(self) -> GeneratedImage:
        if self._big is None:
            self._big = random_layers_image(self.workdir / "big")
        return self._big

    def big_archive(self) -> Path:
        if self._big_archive is None:
            self._big_archive = save_archive(self.big_image(), BIG_IMAGE, self.workdir / "big.tar")
        return self._big_archive

    def made(self, name: str, make: Callable[[Path], object]):
        """What `make(directory)` returns, made once per run in its own directory."""
        if name not in self._made:
            self._made[name] = make(self.workdir / name)
        return self._made[name]

    def registry(self) -> Registry:
        if self._registry is None:
            if not Registry.installed():
                raise Unavailable("docker-registry is not installed (run bench/setup)")
            self._registry = Registry(self.workdir / "registry").start()
        return self._registry

    def close(self) -> None:
        if self._registry is not None:
            self._registry.stop()


def fixture(target, name: str, make: Callable[[], None]) -> None:
    """Make a fixture once per target; a failure is remembered and re-raised for later workloads."""
    if name not in target.fixtures:
        try:
            make()
            target.fixtures[name] = None
        except Exception as error:   # noqa: BLE001 - any failure makes dependants n/a
            target.fixtures[name] = f"{name}: {error}"
    if target.fixtures[name] is not None:
        raise Unavailable(target.fixtures[name])


def need_busybox(target) -> None:
    changes = [arg for change in BUSYBOX_CHANGES for arg in ("-c", change)]
    fixture(target, "busybox image", lambda: target.docker(
        "import", *changes, str(target.shared.busybox_tar()), BUSYBOX_IMAGE))


def need_big_image(target) -> None:
    fixture(target, "160 MB image", lambda: target.docker("load", "-i", str(target.shared.big_archive())))
