"""The containers the daemon knows: an in-memory index over crash-safe records on disk."""

import asyncio
import itertools
import random
import threading
from pathlib import Path

from dockyard.containers import names
from dockyard.containers.model import Container
from dockyard.errors import NotFound
from dockyard.metadata.records import RecordStore


class ContainerRegistry:
    def __init__(self, data_root: Path):
        self.root = data_root / "containers"
        self._records = RecordStore(str(self.root / "records"))
        self._by_id: dict[str, Container] = {}
        self._id_by_name: dict[str, str] = {}
        self._adding: dict[str, str] = {}        # name → ID of a container being recorded
        self._rng = random.Random()
        self._stamps = itertools.count(1)        # save order: the newest snapshot wins on disk
        self._written: dict[str, int] = {}       # ID → stamp of the snapshot last written
        self._writing: dict[str, threading.Lock] = {}
        for _, raw in self._records.items():
            self._index(Container.from_dict(raw))

    def _index(self, container: Container) -> None:
        self._by_id[container.id] = container
        self._id_by_name[container.name] = container.id

    def directory(self, container_id: str) -> Path:
        """Per-container files kept across restarts: logs, hostname, hosts, resolv.conf."""
        return self.root / container_id

    def new_name(self) -> str:
        return names.generate(set(self._id_by_name) | set(self._adding), self._rng)

    def check_name(self, name: str) -> None:
        owner = self._id_by_name.get(name) or self._adding.get(name)
        if owner:
            raise names.name_conflict(name, owner)

    async def add(self, container: Container) -> None:
        """Its directory and durable record written by a worker thread (parallel creates do
        not stall the event loop in fsync), its name held meanwhile; then it is listed."""
        self.check_name(container.name)
        self._adding[container.name] = container.id
        record = container.to_dict()
        try:
            await asyncio.to_thread(self._write_new, container.id, record)
        finally:
            del self._adding[container.name]
        self._index(container)

    def _write_new(self, container_id: str, record: dict) -> None:
        self.directory(container_id).mkdir(parents=True, exist_ok=True)
        self._records.put(container_id, record, True)

    def save(self, container: Container, durable: bool = False) -> None:
        """Run-state changes need not be durable: at start the daemon checks them against the
        shims (and the exit statuses the shims recorded durably)."""
        self._put(container.id, next(self._stamps), container.to_dict(), durable)

    def save_in_thread(self, container: Container) -> asyncio.Future:
        """`save` by a worker thread, of the state as it is now (each save is a new file: an
        inode allocation, slow on a busy disk); for the start path, which awaits it before
        it answers, as it did `save`."""
        stamp, record = next(self._stamps), container.to_dict()
        return asyncio.get_running_loop().run_in_executor(None, self._put, container.id, stamp, record, False)

    def _put(self, container_id: str, stamp: int, record: dict, durable: bool) -> None:
        """One writer per container at a time; a snapshot older than the one on disk (a thread
        overtaken by a later save) or of a removed container is dropped."""
        with self._writing.setdefault(container_id, threading.Lock()):
            if stamp < self._written.get(container_id, 0) or container_id not in self._by_id:
                return
            self._records.put(container_id, record, durable)
            self._written[container_id] = stamp

    def rename(self, container: Container, new_name: str) -> None:
        self.check_name(new_name)
        del self._id_by_name[container.name]
        container.name = new_name
        self._id_by_name[new_name] = container.id
        self.save(container, durable=True)

    def remove(self, container: Container) -> None:
        """Unlisted and its record deleted now; the deletion is made durable by a worker thread
        that nobody waits for (a removal is answered without an fsync, as dockerd's is)."""
        with self._writing.setdefault(container.id, threading.Lock()):
            self._by_id.pop(container.id, None)
            if self._records.delete(container.id, durable=False):
                asyncio.get_running_loop().run_in_executor(None, self._records.sync)
        self._written.pop(container.id, None)
        self._writing.pop(container.id, None)
        if self._id_by_name.get(container.name) == container.id:
            del self._id_by_name[container.name]

    def get(self, ref: str) -> Container:
        return self._by_id[names.resolve(ref, self._id_by_name, list(self._by_id))]

    def find(self, ref: str) -> Container | None:
        try:
            return self.get(ref)
        except NotFound:
            return None

    def all(self) -> list[Container]:
        return list(self._by_id.values())

    def using_image(self, image_id: str) -> list[str]:
        """IDs of the containers made from an image (`images.service.ImageUsers`)."""
        return [c.id for c in self._by_id.values() if c.image_id == image_id]

    def is_running(self, container_id: str) -> bool:
        """Whether a container runs (`images.service.ImageUsers`: a running one's image stays)."""
        return self.get(container_id).state.running

    def mounts_of(self, ref: str) -> list[dict]:
        """A container's inspect `Mounts`, for `--volumes-from` (`mounts.plan.MountsLookup`)."""
        return self.get(ref).mounts

    def counts(self) -> dict[str, int]:
        counts = {"running": 0, "paused": 0, "stopped": 0}
        for c in self._by_id.values():
            key = c.state.status if c.state.status in ("running", "paused") else "stopped"
            counts[key] += 1
        return counts
