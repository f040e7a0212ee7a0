"""A process's exit status, recorded atomically in the container's state dir."""

import json
import os
from collections import namedtuple
from pathlib import Path

from dockyard.metadata import atomic

EXIT_FILE = "exit.json"


class ExitStatus(namedtuple("ExitStatus", "code finished_at_ns oom_killed", defaults=(False,))):
    """code: exit code, or 128 + signal for a signal death; finished_at_ns: wall clock in ns.

    (A namedtuple, not a dataclass: dataclasses costs the shim ~10 ms of imports.)"""
    __slots__ = ()

    def to_json(self) -> dict:
        return self._asdict()

    @classmethod
    def from_json(cls, obj: dict) -> "ExitStatus":
        return cls(int(obj["code"]), int(obj["finished_at_ns"]), bool(obj.get("oom_killed", False)))


def exit_code_of(wait_status: int) -> int:
    """waitpid status -> Docker's exit code (128 + signal when killed)."""
    code = os.waitstatus_to_exitcode(wait_status)
    return 128 - code if code < 0 else code


def record_exit(state_dir: Path, status: ExitStatus) -> None:
    """All or nothing after a crash (temp file + fsync + rename + fsync of the directory)."""
    atomic.write_bytes(str(state_dir / EXIT_FILE), json.dumps(status.to_json()).encode())


def read_exit(state_dir: Path) -> ExitStatus | None:
    try:
        return ExitStatus.from_json(json.loads((state_dir / EXIT_FILE).read_bytes()))
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError):
        return None
