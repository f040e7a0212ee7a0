"""Crash-safe file writes: temp file in the same directory, fsync, rename, fsync the directory.

A reader sees either the old file or the new one, never a torn write. `durable=False` skips
the fsyncs for state that can be rebuilt after a crash (a container's run state is checked
against its shim at start), which keeps them off the container start path.
"""

from __future__ import annotations

import json
import os
from typing import Any


def write_bytes(path: str, data: bytes, mode: int = 0o600, durable: bool = True) -> None:
    directory = os.path.dirname(path) or "."
    fd, tmp = _create_temp(directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fchmod(f.fileno(), mode)
            if durable:
                os.fsync(f.fileno())
        os.rename(tmp, path)
    except BaseException:
        _unlink_quietly(tmp)
        raise
    if durable:
        fsync_dir(directory)


def write_json(path: str, obj: Any, durable: bool = True) -> None:
    write_bytes(path, json.dumps(obj, separators=(",", ":"), sort_keys=True).encode(), durable=durable)


def read_json(path: str, default: Any = None) -> Any:
    try:
        with open(path, "rb") as f:
            return json.loads(f.read())
    except FileNotFoundError:
        return default


def fsync_dir(directory: str | os.PathLike[str]) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


TEMP_PREFIX = ".tmp-"


def remove_temporaries(directory: str) -> None:
    """Remove the temp files of writes a crash interrupted (only while nothing writes here)."""
    for name in os.listdir(directory):
        if name.startswith(TEMP_PREFIX):
            _unlink_quietly(os.path.join(directory, name))


def _create_temp(directory: str) -> tuple[int, str]:
    """A new file of our own beside the target, as tempfile.mkstemp makes it, without importing
    `random`: its at-fork hook would cost every fork of a shim (one per exec) ~0.1 ms."""
    while True:
        tmp = os.path.join(directory, f"{TEMP_PREFIX}{os.urandom(6).hex()}")
        try:
            return os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600), tmp
        except FileExistsError:
            continue


def _unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
