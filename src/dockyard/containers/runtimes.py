"""The OCI runtimes a container may name (`--runtime`): the built-in one and registered binaries."""

import shutil
from pathlib import Path

from dockyard.errors import InvalidArgument
from dockyard.shim.runtime_cli import RuntimeChoice

BUILTIN_NAMES = ("dockyard", "builtin")


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
            return RuntimeChoice.builtin(self._root / "dockyard")
        binary = self._binaries[self.check(name)]
        return RuntimeChoice.oci(binary, self._root / name)

    def describe(self) -> dict[str, dict]:
        """`/info`'s Runtimes."""
        return {"dockyard": {"path": "dockyard-runtime"}, **{n: {"path": p} for n, p in self._binaries.items()}}
