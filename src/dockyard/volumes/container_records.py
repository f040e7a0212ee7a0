"""What the volume side keeps per container, under `<data-root>/volumes/.containers/`.

`<id>.json` holds the container's resolved mounts, written once at create; volume references
are rebuilt from it at boot. `<id>.state` holds the `seeded`/`mounted` flags, rewritten at every
start and stop. Neither is fsynced: the container's own durable record (its inspect `Mounts`)
restores what a crash loses (see `ContainerMounts.adopt_containers`).
"""

import json
import os
from pathlib import Path

from dockyard.errors import InvalidArgument
from dockyard.mounts.model import PlannedMount, mounts_from_json, mounts_to_json
from dockyard.volumes.records import write_atomic

_MOUNTS, _STATE = ".json", ".state"
_FRESH = {"seeded": False, "mounted": False}


class ContainerRecords:
    def __init__(self, directory: Path):
        self._dir = directory
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)

    def ids(self) -> set[str]:
        return {name.removesuffix(_MOUNTS) for name in os.listdir(self._dir)
                if name.endswith(_MOUNTS) and not name.startswith(".")}

    def mounts(self, container_id: str) -> list[PlannedMount] | None:
        body = self._read(container_id, _MOUNTS)
        return None if body is None else mounts_from_json(body["mounts"])

    def put_mounts(self, container_id: str, mounts: list[PlannedMount]) -> None:
        write_atomic(self._path(container_id, _MOUNTS), {"mounts": mounts_to_json(mounts)}, durable=False)

    def state(self, container_id: str) -> dict:
        return {**_FRESH, **(self._read(container_id, _STATE) or {})}

    def put_state(self, container_id: str, state: dict) -> None:
        write_atomic(self._path(container_id, _STATE), state, durable=False)

    def delete(self, container_id: str) -> None:
        for suffix in (_STATE, _MOUNTS):
            try:
                os.unlink(self._path(container_id, suffix))
            except FileNotFoundError:
                pass

    def _read(self, container_id: str, suffix: str) -> dict | None:
        try:
            return json.loads(self._path(container_id, suffix).read_bytes())
        except FileNotFoundError:
            return None
        except ValueError:  # torn by a crash: as if lost
            return None

    def _path(self, container_id: str, suffix: str) -> Path:
        if not container_id or "/" in container_id or container_id.startswith("."):
            raise InvalidArgument(f"invalid container id {container_id!r}")
        return self._dir / f"{container_id}{suffix}"
