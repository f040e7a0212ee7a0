"""The OCI runtimes a container may name (`--runtime`): the built-in one and registered binaries."""

import asyncio
import logging
import os
import shutil
from pathlib import Path

from dockyard.errors import InvalidArgument
from dockyard.shim.runtime_cli import BUILTIN, RuntimeChoice, RuntimeCommands

BUILTIN_NAMES = ("dockyard", "builtin")
log = logging.getLogger(__name__)


class Runtimes:
    def __init__(self, exec_root: Path, default: str, registered: dict[str, str]):
        self._root = exec_root / "runtime"
        self._binaries = dict(registered)
        for name in ("runc", "crun"):
            found = shutil.which(name)
            if name not in self._binaries and found:
                self._binaries[name] = found
        self.default = default
        self.check(default)

    def check(self, name: str) -> str:
        if name in BUILTIN_NAMES or name in self._binaries:
            return name
        raise InvalidArgument(f"Unknown runtime specified {name}")

    def choice(self, name: str) -> RuntimeChoice:
        name = name or self.default
        if name in BUILTIN_NAMES:
            return RuntimeChoice.builtin(self._state_root(name))
        binary = self._binaries[self.check(name)]
        return RuntimeChoice.oci(binary, self._state_root(name))

    def _state_root(self, name: str) -> Path:
        name = name or self.default
        return self._root / ("dockyard" if name in BUILTIN_NAMES else name)

    def describe(self) -> dict[str, dict]:
        """`/info`'s Runtimes."""
        return {"dockyard": {"path": "dockyard-runtime"}, **{n: {"path": p} for n, p in self._binaries.items()}}

    # -- state a crash left (containers/recovery.py) ---------------------------------------
    def has_state(self, name: str, container_id: str) -> bool:
        return (self._state_root(name) / container_id).is_dir()

    def state_ids(self) -> dict[str, list[str]]:
        """Container ID -> the runtime roots (by runtime name) that hold state of it."""
        found: dict[str, list[str]] = {}
        for root in self._root.iterdir() if self._root.is_dir() else ():
            for entry in os.scandir(root):
                if entry.is_dir():
                    found.setdefault(entry.name, []).append(root.name)
        return found

    async def delete_state(self, name: str, container_id: str) -> None:
        """`<runtime> delete --force ID` without a shim: kills what still runs of the container and
        removes its cgroup and state (else the next create of it fails: `container with id exists`).
        State of a runtime no longer registered is just removed."""
        if not self.has_state(name, container_id):
            return
        try:
            choice = self.choice(name)
        except InvalidArgument:
            shutil.rmtree(self._state_root(name) / container_id, ignore_errors=True)
            return
        if choice.binary == BUILTIN:     # the library's delete: it forks nothing
            from dockyard.runtime.builtin import BuiltinRuntime
            try:
                await asyncio.to_thread(BuiltinRuntime(root=str(choice.root)).delete, container_id, True)
            except Exception as err:
                log.warning("runtime delete of %s: %s", container_id[:12], err)
        else:
            process = await asyncio.create_subprocess_exec(
                *RuntimeCommands(choice, container_id).delete(os.devnull), stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
            await process.wait()
        shutil.rmtree(choice.root / container_id, ignore_errors=True)
