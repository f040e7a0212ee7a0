"""Crash-safe JSON records of networks and container endpoints.

Each record is one file written by `metadata.atomic` (temp file + rename, fsynced unless the
caller says the record can be rebuilt), so after a crash it is the old or the new version.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from dockyard.metadata import atomic


class RecordDir:
    """A directory of `<key>.json` records."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.root / f"{key}.json"

    def put(self, key: str, obj, durable: bool = True) -> None:
        atomic.write_json(str(self._path(key)), obj, durable)

    def delete(self, key: str) -> None:
        try:
            os.unlink(self._path(key))
        except FileNotFoundError:
            pass

    def load_all(self) -> dict[str, dict]:
        out = {}
        for entry in sorted(self.root.glob("*.json")):
            try:
                out[entry.stem] = json.loads(entry.read_bytes())
            except (OSError, ValueError):
                continue  # a record torn before rename is a leftover temp, never a .json
        return out
