"""Per-container runtime state under the runtime root: `<root>/<id>/state.json` + exec.fifo."""

import json
import os
import re
import shutil
from dataclasses import dataclass, field

from dockyard.errors import Conflict, InvalidArgument, NotFound
from dockyard.metadata import atomic

_VALID_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]{0,127}$")
FIFO_NAME = "exec.fifo"


@dataclass
class ContainerRecord:
    id: str
    pid: int
    pid_start_time: int          # /proc/<pid>/stat field 22: tells a reused pid apart
    bundle: str
    rootfs: str
    created: str                 # RFC 3339
    cgroup_path: str
    spec: dict = field(default_factory=dict)


@dataclass
class ContainerState:
    """What `runc state` prints (OCI runtime spec state)."""
    id: str
    status: str                  # creating | created | running | paused | stopped
    pid: int
    bundle: str
    created: str
    annotations: dict = field(default_factory=dict)
    oci_version: str = "1.0.2"

    def to_json(self) -> dict:
        return {"ociVersion": self.oci_version, "id": self.id, "status": self.status,
                "pid": self.pid, "bundle": self.bundle, "rootfs": "", "created": self.created,
                "annotations": self.annotations}


class StateStore:
    def __init__(self, root: str) -> None:
        self.root = root

    def dir(self, container_id: str) -> str:
        if not _VALID_ID.match(container_id):
            raise InvalidArgument(f"invalid container id: {container_id!r}")
        return os.path.join(self.root, container_id)

    def fifo(self, container_id: str) -> str:
        return os.path.join(self.dir(container_id), FIFO_NAME)

    def reserve(self, container_id: str) -> str:
        """Make the container's directory; it is 0711 so a non-root init can reach the fifo."""
        os.makedirs(self.root, mode=0o711, exist_ok=True)
        path = self.dir(container_id)
        try:
            os.mkdir(path, 0o711)
        except FileExistsError:
            raise Conflict(f"container with id exists: {container_id}") from None
        return path

    def save(self, record: ContainerRecord) -> None:
        # vars(), not asdict(): asdict deep-copies the whole spec, json.dumps encodes in C.
        # 0600: the spec holds the container's environment. Run state: no fsync.
        atomic.write_bytes(os.path.join(self.dir(record.id), "state.json"), json.dumps(vars(record)).encode(),
                           durable=False)

    def load(self, container_id: str) -> ContainerRecord:
        try:
            with open(os.path.join(self.dir(container_id), "state.json")) as f:
                return ContainerRecord(**json.load(f))
        except FileNotFoundError:
            raise NotFound(f"container does not exist: {container_id}") from None

    def list_ids(self) -> list[str]:
        try:
            return sorted(e for e in os.listdir(self.root)
                          if os.path.exists(os.path.join(self.root, e, "state.json")))
        except FileNotFoundError:
            return []

    def remove(self, container_id: str) -> None:
        shutil.rmtree(self.dir(container_id), ignore_errors=True)


def process_start_time(pid: int) -> int | None:
    """Start time in clock ticks, or None when the process is gone or a zombie."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = stat[stat.rindex(b")") + 2:].split()
    if fields[0] in (b"Z", b"X"):
        return None
    return int(fields[19])
