"""RUN containers a build means to remove, noted on disk: a daemon that dies mid-build leaves
them running (adopted at its next start like any container), so that start removes them.

One empty file per container under `<data-root>/build/work/run-containers/`, no fsync: a lost
note leaves a stopped container behind, as dockerd would after a crash.
"""

from __future__ import annotations

import os
import re

_CONTAINER_ID = re.compile(r"[0-9a-f]{64}")


class RunContainerNotes:
    def __init__(self, directory: str):
        self.directory = directory
        os.makedirs(directory, exist_ok=True)

    def note(self, container_id: str) -> None:
        with open(os.path.join(self.directory, container_id), "wb"):
            pass

    def forget(self, container_id: str) -> None:
        try:
            os.unlink(os.path.join(self.directory, container_id))
        except FileNotFoundError:
            pass

    def left_behind(self) -> list[str]:
        return [name for name in os.listdir(self.directory) if _CONTAINER_ID.fullmatch(name)]
