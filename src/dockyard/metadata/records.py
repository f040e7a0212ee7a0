"""A directory of JSON records, one file per key, each written atomically."""

from __future__ import annotations

import os
import re
from typing import Any, Iterator

from dockyard.metadata import atomic

_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,254}")


class RecordStore:
    """Keys are file names (validated so a key can never name a path outside the store)."""

    def __init__(self, directory: str):
        self.directory = directory
        os.makedirs(directory, exist_ok=True)

    def _path(self, key: str) -> str:
        if not _KEY.fullmatch(key):
            raise ValueError(f"invalid record key: {key!r}")
        return os.path.join(self.directory, key + ".json")

    def put(self, key: str, record: Any, durable: bool = True) -> None:
        atomic.write_json(self._path(key), record, durable)

    def get(self, key: str, default: Any = None) -> Any:
        return atomic.read_json(self._path(key), default)

    def delete(self, key: str) -> bool:
        try:
            os.unlink(self._path(key))
        except FileNotFoundError:
            return False
        atomic.fsync_dir(self.directory)
        return True

    def keys(self) -> Iterator[str]:
        for name in os.listdir(self.directory):
            if name.endswith(".json") and not name.startswith("."):
                yield name[: -len(".json")]

    def items(self) -> Iterator[tuple[str, Any]]:
        for key in self.keys():
            record = self.get(key)
            if record is not None:
                yield key, record
