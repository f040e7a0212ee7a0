"""The build cache: step key → image built by that step, one small file per key (blocking I/O).

An entry whose image was deleted since is a miss. Entries are written without fsync: a lost
entry only costs a rebuild of that step.
"""

from __future__ import annotations

import os
import time
from typing import Any

from dockyard.metadata import atomic


class BuildCache:
    def __init__(self, root: str, image_exists):
        self.root = root
        self._exists = image_exists
        self._known: dict[str, str] = {}   # entries read or written since the start (this daemon owns the root)
        os.makedirs(root, exist_ok=True)

    def lookup(self, key: str) -> str | None:
        image_id = self._known.get(key)
        if image_id is None:
            try:
                with open(os.path.join(self.root, key), encoding="ascii") as f:
                    image_id = f.read().strip()
            except FileNotFoundError:
                return None
            if image_id:
                self._known[key] = image_id
        return image_id if image_id and self._exists(image_id) else None

    def remembered(self, key: str) -> str | None:
        """A hit `lookup` would give, if known without reading a file (no blocking I/O)."""
        image_id = self._known.get(key)
        return image_id if image_id and self._exists(image_id) else None

    def store(self, key: str, image_id: str) -> None:
        atomic.write_bytes(os.path.join(self.root, key), image_id.encode(), durable=False)
        self._known[key] = image_id

    def prune(self) -> int:
        """Drop entries whose image is gone; returns how many were removed."""
        removed = 0
        for name in os.listdir(self.root):
            if self.lookup(name) is None:
                self._known.pop(name, None)
                try:
                    os.unlink(os.path.join(self.root, name))
                    removed += 1
                except FileNotFoundError:
                    pass
        return removed

    def records(self) -> list[dict[str, Any]]:
        """Each entry: its key, the image it names, when it was made and last used."""
        found = []
        for name in sorted(os.listdir(self.root)):
            path = os.path.join(self.root, name)
            try:
                info = os.stat(path)
                with open(path, encoding="ascii") as f:
                    image_id = f.read().strip()
            except FileNotFoundError:
                continue
            found.append({"id": name[:25], "key": name, "size": 0, "created": info.st_mtime, "used": info.st_atime,
                          "description": f"cached step: {image_id.removeprefix('sha256:')[:12]}",
                          "live": bool(image_id) and self._exists(image_id)})
        return found

    def remove_records(self, all_: bool, keep_seconds: float = 0.0) -> list[dict[str, Any]]:
        """Remove entries of deleted images (every entry with `all_`), but none made in the last
        `keep_seconds`; returns those removed."""
        removed = []
        newest = time.time() - keep_seconds
        for record in self.records():
            if (all_ or not record["live"]) and record["created"] <= newest:
                self._known.pop(record["key"], None)
                try:
                    os.unlink(os.path.join(self.root, record["key"]))
                    removed.append(record)
                except FileNotFoundError:
                    pass
        return removed
