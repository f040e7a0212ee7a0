"""A process's exit status, recorded atomically in the container's state dir."""

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

EXIT_FILE = "exit.json"


@dataclass(frozen=True)
class ExitStatus:
    code: int                # exit code, or 128 + signal for a signal death
    finished_at_ns: int      # wall clock, ns since the epoch
    oom_killed: bool = False

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, obj: dict) -> "ExitStatus":
        return cls(int(obj["code"]), int(obj["finished_at_ns"]), bool(obj.get("oom_killed", False)))


def exit_code_of(wait_status: int) -> int:
    """waitpid status -> Docker's exit code (128 + signal when killed)."""
    code = os.waitstatus_to_exitcode(wait_status)
    return 128 - code if code < 0 else code


def write_atomically(path: Path, data: bytes) -> None:
    """temp file + fsync + rename + fsync of the directory: all or nothing after a crash."""
    temp = path.with_name(f".{path.name}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def record_exit(state_dir: Path, status: ExitStatus) -> None:
    write_atomically(state_dir / EXIT_FILE, json.dumps(status.to_json()).encode())


def read_exit(state_dir: Path) -> ExitStatus | None:
    try:
        return ExitStatus.from_json(json.loads((state_dir / EXIT_FILE).read_bytes()))
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError):
        return None
