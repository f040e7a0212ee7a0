"""Volumes on disk, crash-safe: `<root>/<name>/{_data/, volume.json}`.

A volume appears by renaming a complete staging directory into place, its record is replaced
by temp file + fsync + rename, and it disappears by renaming it to `.trash-*` before deletion,
so a crash at any point leaves either the old state or the new one (plus litter swept at load).
"""

import asyncio
import json
import logging
import os
import secrets
from pathlib import Path

from dockyard.errors import InvalidArgument
from dockyard.metadata import atomic
from dockyard.volumes.model import Volume, now_rfc3339
from dockyard.volumes.removal import remove_tree

log = logging.getLogger(__name__)

RECORD, DATA = "volume.json", "_data"
NAME_MAX = 255  # bytes in one file name
_STAGING, _TRASH = ".tmp-", ".trash-"


class VolumeDirectory:
    def __init__(self, root: Path):
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        os.chmod(root, 0o701)  # others may traverse to a mountpoint, not list the names

    def data_path(self, name: str) -> Path:
        return self.root / name / DATA

    def load_all(self) -> list[Volume]:
        """Every volume on disk; litter of interrupted creates and removals is swept."""
        volumes = []
        for entry in sorted(os.scandir(self.root), key=lambda e: e.name):
            if entry.name.startswith((_STAGING, _TRASH)):
                purge(Path(entry.path))
            elif entry.is_dir(follow_symlinks=False) and not entry.name.startswith("."):
                volume = self._load(Path(entry.path))
                if volume is not None:
                    volumes.append(volume)
        return volumes

    def _load(self, path: Path) -> Volume | None:
        try:
            return Volume.from_record(json.loads((path / RECORD).read_bytes()))
        except FileNotFoundError:
            if (path / DATA).is_dir():  # a volume whose record was lost: keep its data
                log.warning("volume %s has no record; adopting it", path.name)
                volume = Volume(path.name, now_rfc3339())
                self.save(volume)
                return volume
            return None
        except (ValueError, KeyError) as err:
            log.error("unreadable volume record %s: %s", path / RECORD, err)
            return None

    def create(self, volume: Volume, durable: bool = True) -> None:
        """`durable=False` for volumes a container's create makes: empty, and made again at its
        start should a crash lose them."""
        target = self.root / volume.name
        if len(os.fsencode(volume.name)) > NAME_MAX:  # refused before any staging is left behind
            raise InvalidArgument(f"create {volume.name}: error while creating volume root path '{target}': "
                                  f"mkdir {target}: file name too long")
        staging = self.root / f"{_STAGING}{secrets.token_hex(8)}"
        staging.mkdir(mode=0o701)
        (staging / DATA).mkdir(mode=0o755)
        atomic.write_json(str(staging / RECORD), volume.to_record(), durable)
        os.rename(staging, target)
        if durable:
            atomic.fsync_dir(self.root)

    def save(self, volume: Volume) -> None:
        atomic.write_json(str(self.root / volume.name / RECORD), volume.to_record())

    def trash(self, name: str, durable: bool = True) -> Path:
        """Take the volume out of sight at once; deleting its content is `removal.remove_tree`."""
        trash = self.root / f"{_TRASH}{name}-{secrets.token_hex(4)}"
        os.rename(self.root / name, trash)
        if durable:
            atomic.fsync_dir(self.root)
        return trash


async def purge_all(trashes: list[Path]) -> int:
    """Purge trashed volumes: empty ones at once, the others in a thread. Bytes reclaimed."""
    full = []
    for trash in trashes:
        if _empty_volume(trash):
            purge(trash)
        else:
            full.append(trash)
    return await asyncio.to_thread(lambda: sum(purge(t) for t in full)) if full else 0


def _empty_volume(trash: Path) -> bool:
    try:
        return not os.listdir(trash / DATA)
    except FileNotFoundError:
        return True


def purge(trash: Path) -> int:
    """Delete a trashed volume; the bytes its content held (the record does not count)."""
    freed = remove_tree(trash / DATA)
    remove_tree(trash)
    return freed
