"""`--cache-from`: the images whose steps a build may reuse, as dockerd's classic builder does
(image/cache): with it, the local cache answers only with an image a source descends from, and
a step that matches the next entry of a source's history becomes an image made from the
source's own layers (how a pulled image, with no local parents, serves as a cache). A name
that is not a local image is ignored, as dockerd ignores it (blocking I/O)."""

from __future__ import annotations

from datetime import datetime, timezone

from dockyard.errors import DockyardError
from dockyard.oci import image as oci_image


class CacheSources:
    def __init__(self, images, names: list[str]):
        self._images = images
        self._sources: list[str] = []
        for name in names:
            try:
                self._sources.append(images.resolve(name).id)
            except DockyardError:
                continue

    def admits(self, image_id: str) -> bool:
        """Whether a local cache hit may be used: some source is it or descends from it."""
        return any(image_id in self._lineage(source) for source in self._sources)

    def restore(self, parent_id: str | None, created_by: str, step_config: dict) -> str | None:
        """The image for a step that is the next one of a source's history: the source itself
        when it is its last step, else a new image of the source's layers up to that step."""
        parent = self._images.config(parent_id) if parent_id else None
        done = len(parent.get("history") or []) if parent else 0
        for source in self._sources:
            target = self._images.config(source)
            history = target.get("history") or []
            if not _descends(target, parent) or done >= len(history) or history[done].get("created_by") != created_by:
                continue
            self._sources = [source]          # as dockerd: keep to this source from now on
            if done == len(history) - 1:
                return source
            return self._make(parent_id, parent, target, done, step_config)
        return None

    def _make(self, parent_id: str | None, parent: dict | None, target: dict, index: int, step_config: dict) -> str:
        history = list((parent or {}).get("history") or []) + [target["history"][index]]
        diff_ids = oci_image.diff_ids(parent or {})
        if not target["history"][index].get("empty_layer"):
            diff_ids.append(_layer_at(target, index))
        created = oci_image.parse_created(history[-1].get("created")) or datetime.now(timezone.utc)
        config = oci_image.new_config(diff_ids, step_config, created, history, author=target.get("author", ""),
                                      architecture=target.get("architecture"), os_=target.get("os", "linux"),
                                      variant=target.get("variant", ""))
        image_id, _ = self._images.create_image(oci_image.encode(config), parent=parent_id or "")
        return image_id

    def _lineage(self, image_id: str) -> set[str]:
        seen = set()
        while image_id and image_id not in seen:
            seen.add(image_id)
            record = self._images.store.images.get(image_id)
            image_id = record.parent if record else ""
        return seen


def _descends(target: dict, parent: dict | None) -> bool:
    """dockerd's isValidParent: the parent's history and layers begin the target's."""
    history = target.get("history") or []
    if not history:
        return False
    if not parent or (not parent.get("history") and not oci_image.diff_ids(parent)):
        return True
    before, layers = parent.get("history") or [], oci_image.diff_ids(parent)
    return len(before) < len(history) and history[:len(before)] == before and \
        oci_image.diff_ids(target)[:len(layers)] == layers


def _layer_at(target: dict, index: int) -> str:
    """The layer the history entry at `index` made (entries with `empty_layer` make none)."""
    position = sum(1 for entry in target["history"][:index] if not entry.get("empty_layer"))
    return oci_image.diff_ids(target)[position]
