"""The build cache leaving and entering the daemon (BuildKit's `--cache-to`/`--cache-from`; the
format is `cache_manifest`'s, the transport the caller's). Blocking I/O.

Export: the steps a build made or reused, each as its image's config and layers. Import: a
step missing from the local cache is made again from the imported config and layers when
the build asks for it (and only then: a build that stops early fetches nothing more)."""

from __future__ import annotations

import json
import threading
from typing import Callable

from dockyard.builder.cache_manifest import CachedStep
from dockyard.errors import InvalidArgument
from dockyard.images.service import ImageService
from dockyard.oci import digest as digests
from dockyard.oci import image as oci_image

Fetch = Callable[[str, Callable[[bytes], None]], None]   # (digest, sink): every byte of a blob, in order

MODES = ("min", "max")


def exported_steps(images: ImageService, steps: dict[str, str], last_step: str, mode: str) -> list[CachedStep]:
    """The steps to export, parents first: with `min` (BuildKit's default) those of the result
    (the last step's image and its parents), with `max` every step of the build."""
    lineage: list[str] = []
    image_id = last_step
    while image_id and image_id in images.store.images and image_id not in lineage:
        lineage.append(image_id)
        image_id = images.store.images[image_id].parent
    chosen = {key: image for key, image in steps.items() if mode == "max" or image in lineage}
    key_of = {image: key for key, image in reversed(list(chosen.items()))}
    found = []
    for key, image_id in chosen.items():
        config = images.config(image_id)
        parent = images.store.images[image_id].parent if image_id in images.store.images else ""
        found.append(CachedStep(key, image_id, oci_image.diff_ids(config), key_of.get(parent),
                                str(config.get("created", ""))))
    return sorted(found, key=lambda step: len(step.diff_ids) + len(images.config(step.config).get("history") or []))


class ImportedSteps:
    """Steps of an imported cache, made into local images on demand (the build's lookups)."""

    def __init__(self, images: ImageService, steps: dict[str, CachedStep], fetch: Fetch, where: str):
        self._images, self._steps, self._fetch, self._where = images, steps, fetch, where
        self._lock = threading.Lock()   # stages built at once may need the same layers

    def __len__(self) -> int:
        return len(self._steps)

    def restore(self, key: str, parent_id: str | None) -> str | None:
        step = self._steps.get(key)
        if step is None:
            return None
        with self._lock:
            return self._make(step, parent_id)

    def _make(self, step: CachedStep, parent_id: str | None) -> str:
        parts: list[bytes] = []
        self._fetch(step.config, parts.append)
        config_bytes = b"".join(parts)
        if digests.sha256_digest(config_bytes) != step.config:
            raise InvalidArgument(f"{self._where}: blob {step.config} does not match its digest")
        diff_ids = oci_image.diff_ids(json.loads(config_bytes))
        chains = digests.chain_ids(diff_ids)
        images = self._images
        with images.pinned(chains + diff_ids):
            below = None
            for chain, diff_id in zip(chains, diff_ids):
                if not images.snapshots.has(chain):
                    if not images.content.has(diff_id):
                        self._blob(diff_id)
                    images.snapshots.apply_layer_file(images.content.path(diff_id), diff_id, below)
                below = chain
            image_id, _ = images.create_image(config_bytes, parent=parent_id or "")
        return image_id

    def _blob(self, digest: str) -> None:
        writer = self._images.content.writer()
        try:
            self._fetch(digest, writer.write)
            writer.commit(digest)
        except InvalidArgument as err:
            raise InvalidArgument(f"{self._where}: blob {digest}: {err.message}") from None
        finally:
            writer.abort()
