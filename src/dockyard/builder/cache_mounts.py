"""The directories of `RUN --mount=type=cache`, kept between builds until pruned.

A cache is found by its id and its base (the `from`/`source` it was seeded with, its uid, gid
and mode): the same id with another base is another cache, as in BuildKit. `sharing` decides
what concurrent RUNs get: `shared` the same directory, `private` a directory no one else is
using (a new one if need be), `locked` the same directory once the previous user let go.
`docker builder prune` removes the caches no RUN is using. Layout under `<root>`: `data/<n>/`
the directories, `records/<n>.json` what each holds (key, id, times, description).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from collections import Counter
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Callable

from dockyard.dockerfile.run_mounts import LOCKED, PRIVATE
from dockyard.metadata.records import RecordStore

TYPE = "exec.cachemount"
_ID_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789"


class CacheMounts:
    def __init__(self, root: str):
        self.data = os.path.join(root, "data")
        os.makedirs(self.data, mode=0o700, exist_ok=True)
        self.records = RecordStore(os.path.join(root, "records"))
        self._users: Counter[str] = Counter()
        self._key_locks: dict[str, asyncio.Lock] = {}     # short: choosing or making an instance
        self._held: dict[str, asyncio.Lock] = {}          # sharing=locked: held while the RUN runs
        _remove_orphans(self.data, set(self.records.keys()))

    @asynccontextmanager
    async def use(self, key: str, sharing: str, seed: Callable[[str], None], description: str) -> AsyncIterator[str]:
        """The directory of cache `key` for one RUN; `seed(path)` fills a new one (blocking)."""
        held = self._held.setdefault(key, asyncio.Lock()) if sharing == LOCKED else None
        if held is not None:
            await held.acquire()
        try:
            async with self._key_locks.setdefault(key, asyncio.Lock()):
                name = self._pick(key, sharing)
                if name is None:
                    name = await asyncio.to_thread(self._create, key, seed, description)
                self._users[name] += 1
            try:
                yield os.path.join(self.data, name)
            finally:
                self._users[name] -= 1
                await asyncio.to_thread(self._touch, name, description)
        finally:
            if held is not None:
                held.release()

    def _pick(self, key: str, sharing: str) -> str | None:
        mine = sorted((r["created"], name) for name, r in self.records.items() if r.get("key") == key)
        for _, name in mine:
            if sharing != PRIVATE or not self._users[name]:
                return name
        return None

    def _create(self, key: str, seed: Callable[[str], None], description: str) -> str:
        name = "".join(_ID_CHARS[b % len(_ID_CHARS)] for b in os.urandom(25))
        path = os.path.join(self.data, name)
        try:
            seed(path)
        except BaseException:
            shutil.rmtree(path, ignore_errors=True)
            raise
        now = time.time()
        self.records.put(name, {"key": key, "created": now, "used": now, "usage": 0, "description": description},
                         durable=False)
        return name

    def _touch(self, name: str, description: str) -> None:
        record = self.records.get(name)
        if record is not None:
            record.update(used=time.time(), usage=record.get("usage", 0) + 1, description=description)
            self.records.put(name, record, durable=False)

    def usage(self) -> list[dict[str, Any]]:
        """Each cache as `system df` / `buildx du` list build cache records (blocking)."""
        return [self._usage(name, record) for name, record in sorted(self.records.items())]

    def _usage(self, name: str, record: dict[str, Any]) -> dict[str, Any]:
        return {"ID": name, "Type": TYPE, "Description": record.get("description", ""),
                "InUse": self._users[name] > 0, "Shared": False, "Size": _size(os.path.join(self.data, name)),
                "CreatedAt": record["created"], "LastUsedAt": record.get("used"), "UsageCount": record.get("usage", 0)}

    def prune(self, keep: Callable[[dict[str, Any]], bool] = lambda usage: False) -> list[dict[str, Any]]:
        """Remove the caches no RUN uses (and `keep` does not keep); returns what went (blocking)."""
        removed = []
        for name, record in sorted(self.records.items()):
            if self._users[name]:
                continue
            usage = self._usage(name, record)
            if keep(usage):
                continue
            self.records.delete(name)
            shutil.rmtree(os.path.join(self.data, name), ignore_errors=True)
            removed.append(usage)
        return removed


def _size(path: str) -> int:
    total = 0
    for dirpath, _dirnames, filenames in os.walk(path):
        for name in filenames:  # what the files hold, as BuildKit counts a cache's size
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_size
            except OSError:
                continue
    return total


def _remove_orphans(data: str, known: set[str]) -> None:
    """Directories whose record was never written (a daemon died while seeding them)."""
    for name in os.listdir(data):
        if name not in known:
            shutil.rmtree(os.path.join(data, name), ignore_errors=True)
