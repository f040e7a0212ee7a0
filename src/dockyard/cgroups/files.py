"""Small helpers for cgroupfs files: cgroupfs returns errors on write, so name the file."""

import errno
import os
import signal
import time

from dockyard.errors import InternalError


def write(path: str, value: str) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    except OSError as exc:
        raise InternalError(f"cgroup: cannot open {path}: {exc.strerror}") from None
    try:
        os.write(fd, value.encode())
    except OSError as exc:
        raise InternalError(f"cgroup: writing {value!r} to {path}: {exc.strerror}") from None
    finally:
        os.close(fd)


def open_for_writing(paths: list[str]) -> tuple[int, ...]:
    """Each file opened for writing (close-on-exec), or none of them."""
    fds: list[int] = []
    try:
        for path in paths:
            try:
                fds.append(os.open(path, os.O_WRONLY | os.O_CLOEXEC))
            except OSError as exc:
                raise InternalError(f"cgroup: cannot open {path}: {exc.strerror}") from None
    except BaseException:
        for fd in fds:
            os.close(fd)
        raise
    return tuple(fds)


def read(path: str, default: str = "") -> str:
    try:
        with open(path) as f:
            return f.read()
    except FileNotFoundError:
        return default


def read_int(path: str, default: int = 0) -> int:
    text = read(path).strip()
    if text == "max":
        return -1
    return int(text) if text.lstrip("-").isdigit() else default


def read_pids(procs_file: str) -> list[int]:
    return [int(line) for line in read(procs_file).split()]


def kill_all_and_wait(procs_file: str, timeout: float = 5.0) -> None:
    """SIGKILL everything in the cgroup until it is empty (new forks race the first pass)."""
    deadline = time.monotonic() + timeout
    while pids := read_pids(procs_file):
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if time.monotonic() > deadline:
            raise InternalError(f"cgroup: processes {pids} survive SIGKILL in {procs_file}")
        time.sleep(0.002)


def rmdir_retrying(path: str, timeout: float = 2.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            os.rmdir(path)
            return
        except FileNotFoundError:
            return
        except OSError as exc:
            if exc.errno != errno.EBUSY or time.monotonic() > deadline:
                raise InternalError(f"cgroup: cannot remove {path}: {exc.strerror}") from None
            time.sleep(0.005)
