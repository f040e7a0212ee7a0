"""The one store of JSON records: a directory, one file per key, each written atomically.

Images, containers, networks, sandboxes, the volumes' per-container records, layer sources and
build notes all keep their records here. A record is replaced by `atomic` (temp file + rename,
fsynced unless the caller says a crash may lose it), so a reader sees the old or the new one.
"""

from __future__ import annotations

import logging
import os
import re
from typing import Any, Iterator

from dockyard.metadata import atomic

log = logging.getLogger(__name__)
_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,254}")


class RecordStore:
    """Keys are file names (validated so a key can never name a path outside the store); each
    record is `<key><suffix>`. A record that cannot be parsed (damaged outside our atomic
    writes) is logged and read as missing rather than stopping the daemon. The temp files of
    writes a `kill -9` interrupted are removed when the store is opened: each store is opened
    once, at the daemon's start, before anything writes to it (the roots' flock keeps out others)."""

    def __init__(self, directory: str | os.PathLike[str], suffix: str = ".json", mode: int = 0o777):
        self.directory = os.fspath(directory)
        self.suffix = suffix
        os.makedirs(self.directory, mode=mode, exist_ok=True)
        atomic.remove_temporaries(self.directory)

    def _path(self, key: str) -> str:
        if not _KEY.fullmatch(key):
            raise ValueError(f"invalid record key: {key!r}")
        return os.path.join(self.directory, key + self.suffix)

    def put(self, key: str, record: Any, durable: bool = True) -> None:
        atomic.write_json(self._path(key), record, durable)

    def get(self, key: str, default: Any = None) -> Any:
        path = self._path(key)
        try:
            return atomic.read_json(path, default)
        except ValueError as err:
            log.error("unreadable record %s: %s", path, err)
            return default

    def delete(self, key: str, durable: bool = True) -> bool:
        try:
            os.unlink(self._path(key))
        except FileNotFoundError:
            return False
        if durable:
            atomic.fsync_dir(self.directory)
        return True

    def sync(self) -> None:
        """Make the deletions made with durable=False durable."""
        atomic.fsync_dir(self.directory)

    def keys(self) -> list[str]:
        return sorted(name[: -len(self.suffix)] for name in os.listdir(self.directory)
                      if name.endswith(self.suffix) and not name.startswith("."))

    def items(self) -> Iterator[tuple[str, Any]]:
        """Every readable record, in key order (one removed meanwhile is left out)."""
        for key in self.keys():
            record = self.get(key)
            if record is not None:
                yield key, record
