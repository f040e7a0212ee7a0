"""The verbs every runtime offers the engine: the built-in one and runc/crun alike."""

import signal
from typing import Protocol

from dockyard.runtime.state import ContainerState

Stdio = tuple[int, int, int]


class Runtime(Protocol):
    def create(self, container_id: str, bundle: str, *, stdio: Stdio | None = None,
               console_socket: str | None = None, pid_file: str | None = None) -> int:
        """Set the container up; its process waits before exec until `start`. Returns its pid."""

    def start(self, container_id: str) -> None: ...

    def state(self, container_id: str) -> ContainerState: ...

    def kill(self, container_id: str, sig: int = signal.SIGTERM, all: bool = False) -> None: ...

    def delete(self, container_id: str, force: bool = False) -> None: ...

    def exec(self, container_id: str, process: dict, *, stdio: Stdio | None = None,
             console_socket: str | None = None, pid_file: str | None = None) -> int:
        """Start `process` (an OCI process object) inside the running container; its pid."""

    def update(self, container_id: str, resources: dict) -> None:
        """New OCI `linux.resources` for a live container (docker update)."""

    def pids(self, container_id: str) -> list[int]: ...

    def pause(self, container_id: str) -> None: ...

    def resume(self, container_id: str) -> None: ...
