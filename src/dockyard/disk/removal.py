"""Trees deleted off the request's path: `remove_later` hands a directory that is already out of
sight (renamed into a place swept at start, or one that start-up removes by its name) to one
background thread, which deletes them one at a time.

Deleting thousands of files costs about as much as making them (a build context of 2,000 files:
~0.4 s on ext4), and nothing the client waits for depends on it. One thread, so deletions queue
up behind each other rather than take both cores; a daemon that dies first leaves the trees to
the sweep of its next start (`SnapshotStore` empties `staging/`, the builder removes stale
`context-*` directories). `wait_idle` lets tests and shutdown see the queue drained."""

from __future__ import annotations

import queue
import shutil
import threading

_queue: queue.Queue[str] = queue.Queue()
_lock = threading.Lock()
_worker: threading.Thread | None = None


def remove_later(path: str) -> None:
    """Delete the tree at `path` soon, in the background (errors are ignored, as by a sweep)."""
    global _worker
    with _lock:
        if _worker is None or not _worker.is_alive():
            _worker = threading.Thread(target=_run, name="tree-removal", daemon=True)
            _worker.start()
    _queue.put(path)


def wait_idle() -> None:
    """Until every tree handed over so far is deleted."""
    _queue.join()


def _run() -> None:
    while True:
        path = _queue.get()
        try:
            shutil.rmtree(path, ignore_errors=True)
        finally:
            _queue.task_done()
