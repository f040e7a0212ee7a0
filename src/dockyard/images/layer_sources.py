"""Where a layer already lives in registries: diff ID → compressed blobs (registry host,
repository, digest, size, media type).

A pull records the blobs it unpacked; a push records what it uploaded. The next push of the
same layer to that registry asks `HEAD` for the known blob ("Layer already exists") or mounts it
from a sibling repository, instead of compressing and uploading it again.
"""

from __future__ import annotations

import os
import threading
from dataclasses import asdict, dataclass

from dockyard.metadata.records import RecordStore
from dockyard.oci import digest as digests

KEEP = 16   # sources remembered per layer (the newest)


@dataclass(frozen=True)
class LayerSource:
    registry: str
    repository: str
    digest: str
    size: int
    media_type: str


class LayerSources:
    def __init__(self, root: str):
        self.records = RecordStore(os.path.join(root, "distribution"))
        self._lock = threading.Lock()

    def add(self, diff_id: str, source: LayerSource) -> None:
        with self._lock:
            known = [s for s in self.of(diff_id) if s != source]
            self.records.put(digests.hex_of(diff_id), [asdict(s) for s in [source, *known][:KEEP]],
                             durable=False)  # a lost hint only costs a re-upload

    def of(self, diff_id: str) -> list[LayerSource]:
        return [LayerSource(**s) for s in self.records.get(digests.hex_of(diff_id), []) or []]

    def at(self, diff_id: str, registry: str) -> list[LayerSource]:
        """Sources on one registry, those of this repository's siblings too."""
        return [s for s in self.of(diff_id) if s.registry == registry]

    def forget(self, diff_id: str) -> None:
        self.records.delete(digests.hex_of(diff_id))
