"""Crash-safe JSON records of networks and container endpoints.

Each record is one file written as temp file + fsync + rename (+ fsync of the directory),
so after a crash a record is either the old or the new version, never a torn one.
"""

from __future__ import annotations

import json
import os
from pathlib import Path


def write_json(path: Path, obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    data = json.dumps(obj, sort_keys=True).encode()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.rename(tmp, path)
    dirfd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dirfd)
    finally:
        os.close(dirfd)


class RecordDir:
    """A directory of `<key>.json` records."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.root / f"{key}.json"

    def put(self, key: str, obj) -> None:
        write_json(self._path(key), obj)

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
