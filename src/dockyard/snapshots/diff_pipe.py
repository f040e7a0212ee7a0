"""A diff read while it is written: a thread writes it into a pipe while the caller hashes,
stores and unpacks it, so walking the container's files and making the layer overlap (the
kernel's work in both)."""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Callable
from typing import BinaryIO, TypeVar

PIPE_SIZE = 1 << 20
T = TypeVar("T")


def read_while_written(write: Callable[[BinaryIO], None], name: str,
                       read: Callable[[BinaryIO, Callable[[], None]], T]) -> T:
    """`write(out)` runs in a thread called `name`; `read(source, written)` in the caller, which
    calls `written()` before its result becomes visible: that waits for the writer and raises
    what the writer raised (a diff cut short must not become a layer)."""
    read_fd, write_fd = os.pipe2(os.O_CLOEXEC)
    try:
        fcntl.fcntl(write_fd, fcntl.F_SETPIPE_SZ, PIPE_SIZE)
    except OSError:
        pass    # above /proc/sys/fs/pipe-max-size: the default size works too
    failures: list[BaseException] = []

    def write_all() -> None:
        try:
            with open(write_fd, "wb") as out:
                write(out)
        except BaseException as error:
            failures.append(error)

    def written() -> None:
        writer.join()
        if failures:
            raise failures[0]

    writer = threading.Thread(target=write_all, name=name)
    writer.start()
    try:
        with open(read_fd, "rb", buffering=0) as source:
            return read(source, written)
    except BaseException:
        writer.join()       # the pipe is closed: a blocked writer fails and ends
        if failures and not isinstance(failures[0], BrokenPipeError):
            raise failures[0] from None
        raise
