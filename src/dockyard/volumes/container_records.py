"""What the volume side keeps per container, under `<data-root>/volumes/.containers/`.

`<id>.json` holds the container's resolved mounts, written once at create; volume references
are rebuilt from it at boot. `<id>.state` holds the `seeded`/`mounted` flags, rewritten at every
start and stop. Neither is fsynced: the container's own durable record (its inspect `Mounts`)
restores what a crash loses (see `ContainerMounts.adopt_containers`).
"""

from pathlib import Path

from dockyard.metadata.records import RecordStore
from dockyard.mounts.model import PlannedMount, mounts_from_json, mounts_to_json

_FRESH = {"seeded": False, "mounted": False}


class ContainerRecords:
    def __init__(self, directory: Path):
        self._mounts = RecordStore(directory, ".json", mode=0o700)
        self._states = RecordStore(directory, ".state", mode=0o700)

    def ids(self) -> set[str]:
        return set(self._mounts.keys())

    def mounts(self, container_id: str) -> list[PlannedMount] | None:
        body = self._mounts.get(container_id)
        return None if body is None else mounts_from_json(body["mounts"])

    def put_mounts(self, container_id: str, mounts: list[PlannedMount]) -> None:
        self._mounts.put(container_id, {"mounts": mounts_to_json(mounts)}, durable=False)

    def state(self, container_id: str) -> dict:
        return {**_FRESH, **(self._states.get(container_id) or {})}

    def put_state(self, container_id: str, state: dict) -> None:
        self._states.put(container_id, state, durable=False)

    def delete(self, container_id: str) -> None:
        self._states.delete(container_id, durable=False)
        self._mounts.delete(container_id, durable=False)
