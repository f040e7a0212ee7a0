"""The directories a client's file syncs filled (a build's context, its Dockerfile's, its
.dockerignore's), kept for the next build of the same directory, as BuildKit keeps its local
sources: the next transfer into a kept directory asks only for the files whose metadata changed
and deletes those gone (`api.buildkit.filesync`), so a rebuild moves and writes only what changed.

A kept directory serves one build at a time (a second build of the same directory meanwhile
gets a fresh one); one whose transfer failed is dropped. They are cache: the most recent few
are kept, `builder prune` removes those no build uses, and a restart sweeps them all (their
`context-` names: the daemon keeps what they hold in memory only).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from dockyard.disk.removal import remove_later

KEEP = 24   # directories kept at most: a few projects built in turn, three directories each


@dataclass
class KeptContext:
    path: str
    slot: str | None    # the key it is kept under afterwards; None: a build's own, removed after it
    # what `path` holds: each entry's path → its metadata as the sender described it
    entries: dict[str, bytes] = field(default_factory=dict)
    patterns: list[str] | None = None   # the exclude patterns it was sent with; None: never sent whole
    used: float = 0.0

    def empty(self) -> None:
        """Forget what a transfer cut short left: the next one starts from nothing."""
        stale = f"{self.path}-stale-{time.monotonic_ns()}"   # still `context-*`: a sweep at start takes it
        os.rename(self.path, stale)
        os.mkdir(self.path, 0o700)
        remove_later(stale)
        self.entries.clear()
        self.patterns = None


class KeptContexts:
    def __init__(self, work_dir: str, keep: int = KEEP):
        self._work_dir, self._keep = work_dir, keep
        self._kept: OrderedDict[str, KeptContext] = OrderedDict()   # least recently used first
        self._busy: set[str] = set()
        self._lock = threading.Lock()

    @staticmethod
    def key(*parts: object) -> str:
        """What identifies one directory of one client: its session's shared key and the
        directory's name."""
        return hashlib.sha256(repr(parts).encode()).hexdigest()

    def take(self, key: str) -> KeptContext:
        """The kept directory of `key` (a new empty one the first time), or, while another build
        uses it, a new empty one of this build's own."""
        with self._lock:
            if key not in self._busy:
                self._busy.add(key)
                kept = self._kept.pop(key, None)
                if kept is not None:
                    return kept
                slot: str | None = key
            else:
                slot = None
        return KeptContext(tempfile.mkdtemp(prefix="context-kept-", dir=self._work_dir), slot)

    def give_back(self, kept: KeptContext, complete: bool) -> None:
        """After the build: the directory of a complete transfer is kept (the least recently used
        beyond the limit removed); any other is removed."""
        dropped = [kept]
        with self._lock:
            if kept.slot is not None:
                self._busy.discard(kept.slot)
                if complete:
                    kept.used = time.time()
                    self._kept[kept.slot] = kept
                    dropped = []
                    while len(self._kept) > self._keep:
                        dropped.append(self._kept.popitem(last=False)[1])
        for old in dropped:
            remove_later(old.path)

    def prune(self, unused_for: float = 0.0) -> int:
        """Remove the kept directories no build uses (with `unused_for`, only those unused that
        long); how many were removed."""
        newest = time.time() - unused_for
        with self._lock:
            removed = [self._kept.pop(key) for key, kept in list(self._kept.items()) if kept.used <= newest]
        for kept in removed:
            remove_later(kept.path)
        return len(removed)
