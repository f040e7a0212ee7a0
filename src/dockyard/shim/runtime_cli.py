"""Command lines of an OCI runtime (runc, crun, or the built-in one behind the same verbs).

Each invocation logs to its own JSON log file so an error message can be taken
from it without racing another invocation.
"""

import json
import sys
from collections import namedtuple
from pathlib import Path

BUILTIN = "builtin"


class RuntimeChoice(namedtuple("RuntimeChoice", "binary root")):
    """`binary` is the path of an OCI runtime, or BUILTIN; `root` is its --root state dir."""
    __slots__ = ()

    @classmethod
    def oci(cls, binary: str, root: Path) -> "RuntimeChoice":
        return cls(binary, Path(root))

    @classmethod
    def builtin(cls, root: Path) -> "RuntimeChoice":
        return cls(BUILTIN, Path(root))

    @property
    def name(self) -> str:
        return "dockyard" if self.binary == BUILTIN else Path(self.binary).name

    def to_json(self) -> dict:
        return {"binary": self.binary, "root": str(self.root)}

    @classmethod
    def from_json(cls, obj: dict) -> "RuntimeChoice":
        return cls(obj["binary"], Path(obj["root"]))


class RuntimeCommands:
    def __init__(self, choice: RuntimeChoice, container_id: str):
        self.choice = choice
        self.container_id = container_id

    def _base(self, log: str) -> list[str]:
        if self.choice.binary == BUILTIN:
            program = [sys.executable, "-m", "dockyard.runtime"]
        else:
            program = [self.choice.binary]
        return program + ["--root", str(self.choice.root), "--log", log, "--log-format", "json"]

    def create(self, bundle: Path, pid_file: str, console_socket: str | None, log: str) -> list[str]:
        argv = self._base(log) + ["create", "--bundle", str(bundle), "--pid-file", pid_file]
        if console_socket:
            argv += ["--console-socket", console_socket]
        return argv + [self.container_id]

    def start(self, log: str) -> list[str]:
        return self._base(log) + ["start", self.container_id]

    def exec(self, process_file: str, pid_file: str, console_socket: str | None, log: str) -> list[str]:
        argv = self._base(log) + ["exec", "--detach", "--process", process_file, "--pid-file", pid_file]
        if console_socket:
            argv += ["--console-socket", console_socket]
        return argv + [self.container_id]

    def pause(self, log: str) -> list[str]:
        return self._base(log) + ["pause", self.container_id]

    def resume(self, log: str) -> list[str]:
        return self._base(log) + ["resume", self.container_id]

    def delete(self, log: str) -> list[str]:
        return self._base(log) + ["delete", "--force", self.container_id]


def last_error(log_path: str, fallback: str) -> str:
    """The runtime's last error-level message from its JSON log (else plain text, else fallback)."""
    try:
        with open(log_path, "rb") as log:
            lines = log.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return fallback
    message = ""
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            if line.strip():
                message = line.strip()
            continue
        if isinstance(entry, dict) and entry.get("level") in ("error", "fatal"):
            message = str(entry.get("msg", ""))
    return message or fallback


def failure_message(verb: str, runtime_error: str) -> str:
    """Docker's shape, keeping the runtime's text (the CLI maps its substrings to 126/127)."""
    return f"OCI runtime {verb} failed: {runtime_error}: unknown"
