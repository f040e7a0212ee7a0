"""Image records and the tag index, persisted crash-safe and indexed in memory.

records/<id hex>.json  one per image: layers, created, size, parent, repo digests, tag time
tags.json              {"docker.io/library/busybox:latest": "sha256:<id>", ...}
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import asdict, dataclass, field

from dockyard.errors import InvalidArgument, NotFound
from dockyard.metadata import atomic
from dockyard.metadata.records import RecordStore
from dockyard.oci import digest as digests
from dockyard.oci import reference
from dockyard.oci.reference import Reference

_HEX_PREFIX = re.compile(r"[a-f0-9]{1,64}")


@dataclass
class ImageRecord:
    id: str
    diff_ids: list[str]
    created: str                       # the config's `created`, RFC3339
    size: int                          # sum of the unpacked layer sizes
    parent: str = ""                   # image this one was committed/built from
    repo_digests: list[str] = field(default_factory=list)
    last_tag_time: str = ""
    added_ns: int = 0                  # when it entered this store (ordering ties)

    @property
    def top_chain(self) -> str | None:
        chains = digests.chain_ids(self.diff_ids)
        return chains[-1] if chains else None


class ImageStore:
    def __init__(self, root: str):
        self.records = RecordStore(os.path.join(root, "records"))
        self.tags_path = os.path.join(root, "tags.json")
        self.lock = threading.RLock()
        self.images: dict[str, ImageRecord] = {}
        for _key, data in self.records.items():
            record = ImageRecord(**data)
            self.images[record.id] = record
        tags = atomic.read_json(self.tags_path, {}) or {}
        self.tags: dict[str, str] = {r: i for r, i in tags.items() if i in self.images}

    # ---- records -------------------------------------------------------------------------

    def put(self, record: ImageRecord) -> None:
        with self.lock:
            self.records.put(digests.hex_of(record.id), asdict(record))
            self.images[record.id] = record

    def get(self, image_id: str) -> ImageRecord:
        try:
            return self.images[image_id]
        except KeyError:
            raise NotFound(f"No such image: {image_id}") from None

    def delete(self, image_id: str) -> None:
        with self.lock:
            for ref in self.refs_of(image_id):
                del self.tags[ref]
            self._save_tags()
            self.records.delete(digests.hex_of(image_id))
            self.images.pop(image_id, None)

    def all(self) -> list[ImageRecord]:
        with self.lock:  # callers run in several worker threads
            return list(self.images.values())

    def children(self, image_id: str) -> list[ImageRecord]:
        return [r for r in self.all() if r.parent == image_id]

    # ---- tags ----------------------------------------------------------------------------

    def set_tag(self, ref: Reference, image_id: str) -> str | None:
        """Point `ref` at an image; returns the image that lost it, if another."""
        with self.lock:
            key = str(ref)
            previous = self.tags.get(key)
            if previous == image_id:
                return None   # already so: nothing to write (a rebuild names the same image)
            self.tags[key] = image_id
            self._save_tags()
            return previous

    def remove_tag(self, ref: Reference) -> bool:
        with self.lock:
            if self.tags.pop(str(ref), None) is None:
                return False
            self._save_tags()
            return True

    def refs_of(self, image_id: str) -> list[str]:
        with self.lock:
            return sorted(r for r, i in self.tags.items() if i == image_id)

    def _save_tags(self) -> None:
        atomic.write_json(self.tags_path, self.tags)

    # ---- name resolution -----------------------------------------------------------------

    def resolve(self, name: str) -> str:
        """Image ID for a full reference, `sha256:` ID, bare ID or unique ID prefix."""
        found = self.lookup(name)
        if found is None:
            raise NotFound(f"No such image: {_display(name)}")
        return found

    def lookup(self, name: str) -> str | None:
        if name.startswith("sha256:"):
            return self._by_prefix(name[len("sha256:"):])
        if reference.is_full_id(name):
            full = "sha256:" + name
            return full if full in self.images else None
        ref = _try_parse(name)
        if ref is not None:
            found = self._by_reference(ref)
            if found is not None:
                return found
        if _HEX_PREFIX.fullmatch(name):
            return self._by_prefix(name)
        return None

    def tagged(self, name: str) -> str | None:
        """The image a tag names, when `name` is a tag this store knows: dictionary reads only (no
        lock, no disk), for the event loop. IDs, digests and unknown names: None (ask `lookup`)."""
        if name.startswith("sha256:") or reference.is_full_id(name):
            return None
        ref = _try_parse(name)
        if ref is None or ref.digest:
            return None
        found = self.tags.get(str(ref.with_default_tag()))
        return found if found in self.images else None

    def _by_reference(self, ref: Reference) -> str | None:
        if ref.digest:
            wanted = f"{ref.name}@{ref.digest}"
            for record in self.all():
                if wanted in record.repo_digests:
                    return record.id
            return None
        return self.tags.get(str(ref.with_default_tag()))

    def _by_prefix(self, prefix: str) -> str | None:
        if not _HEX_PREFIX.fullmatch(prefix):
            return None
        matches = [r.id for r in self.all() if r.id[len("sha256:"):].startswith(prefix)]
        if len(matches) > 1:
            raise InvalidArgument(f"multiple IDs found with provided prefix: {prefix}")
        return matches[0] if matches else None


def _try_parse(name: str) -> Reference | None:
    try:
        return reference.parse(name)
    except InvalidArgument:
        return None


def _display(name: str) -> str:
    """How Docker names a missing image: the familiar reference with its default tag."""
    ref = _try_parse(name)
    if ref is None:
        return name
    return ref.with_default_tag().familiar()
