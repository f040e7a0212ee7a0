"""One daemon per data root and exec root: an exclusive flock held for the daemon's life."""

import fcntl
import os
from pathlib import Path

from dockyard.errors import Conflict


class RootLock:
    def __init__(self, roots: list[Path]):
        self._files = []
        try:
            for root in roots:
                self._files.append(_lock(root))
        except Conflict:
            self.release()
            raise

    def release(self) -> None:
        for handle in self._files:
            handle.close()
        self._files.clear()


def _lock(root: Path):
    root.mkdir(parents=True, exist_ok=True)
    handle = open(root / "dockyardd.lock", "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        owner = handle.read().strip() or "another process"
        handle.close()
        raise Conflict(f"{root} is in use by another dockyardd (pid {owner}); "
                       "use another --data-root/--exec-root") from None
    handle.truncate(0)
    handle.write(str(os.getpid()))
    handle.flush()
    return handle
