"""Network namespaces pinned by bind mounts, and running netlink work inside them.

Namespace work never touches the daemon's own threads: every operation in another namespace
runs in a fresh, short-lived thread that unshares or setns()es only itself and then exits
(CLONE_NEWNET is per-thread). pyroute2 keeps its netlink socket per thread, so an `IPRoute`
opened in that thread talks to that thread's namespace. Work in the host's namespace runs in
one long-lived thread that keeps its `IPRoute` (opening one costs ~0.7 ms of CPU, and every
container start and removal needs the host's namespace).
"""

from __future__ import annotations

import errno
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, TypeVar

from pyroute2 import IPRoute

from dockyard.syscalls import constants as c
from dockyard.syscalls.protocol import Syscalls

T = TypeVar("T")


def in_thread(fn: Callable[[], T]) -> T:
    """Run fn in a new thread (which may change its own namespaces) and return its result."""
    box: dict[str, Any] = {}

    def run():
        try:
            box["value"] = fn()
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=run, name="dockyard-netns", daemon=True)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


class _HostNetlink:
    """One IPRoute in the host's namespace, used from one thread only (pyroute2's wish)."""

    def __init__(self):
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="dockyard-netlink")
        self._ipr: IPRoute | None = None

    def run(self, fn: Callable[[IPRoute], T]) -> T:
        return self._executor.submit(self._call, fn).result()

    def _call(self, fn: Callable[[IPRoute], T]) -> T:
        if self._ipr is None:
            self._ipr = IPRoute()
        return fn(self._ipr)

    def close(self) -> None:
        """Close the socket (the idle thread stays; a later call opens a new socket)."""
        self._executor.submit(self._close).result()

    def _close(self) -> None:
        if self._ipr is not None:
            self._ipr.close()
            self._ipr = None


class Namespaces:
    """Creates, enters and removes network namespaces pinned at paths."""

    def __init__(self, syscalls: Syscalls | None = None):
        if syscalls is None:
            from dockyard.syscalls.linux import LinuxSyscalls
            syscalls = LinuxSyscalls()
        self.sys = syscalls
        self._host = _HostNetlink()
        # pyroute2 logs every netlink message at DEBUG: far too much for a daemon's log
        logging.getLogger("pyroute2").setLevel(logging.WARNING)

    def close(self) -> None:
        self._host.close()

    def create(self, path: Path, setup: Callable[[IPRoute], T] | None = None) -> T | None:
        """Pin a new netns at `path`; run `setup(ipr)` inside it (e.g. loopback up)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(exist_ok=True)

        def work():
            self.sys.unshare(c.CLONE_NEWNET)
            self.sys.mount(f"/proc/self/task/{threading.get_native_id()}/ns/net", str(path), None, c.MS_BIND, None)
            if setup is None:
                return None
            with IPRoute() as ipr:
                return setup(ipr)

        try:
            return in_thread(work)
        except BaseException:
            self.remove(path)
            raise

    def remove(self, path: Path) -> None:
        """Unpin the netns at `path`; the kernel frees it (and its veths) with its last user."""
        path = Path(path)
        try:
            self.sys.umount2(str(path), c.MNT_DETACH)
        except OSError as exc:
            if exc.errno not in (errno.EINVAL, errno.ENOENT):
                raise
        try:
            path.unlink()
        except FileNotFoundError:
            pass

    def run(self, path: Path | None, fn: Callable[[IPRoute], T]) -> T:
        """Run fn(ipr) with a netlink socket in the netns at `path` (None: the host's, where
        calls run one at a time)."""
        if path is None:
            return self._host.run(fn)

        def work():
            with IPRoute() as ipr:
                return fn(ipr)

        return self.call_in(path, work)

    def call_in(self, path: Path, fn: Callable[[], T]) -> T:
        """fn() in a thread that entered the netns at `path`: sockets it makes live there (a
        connection into a pod for port forwarding) and stay usable from any thread."""
        def work():
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
            try:
                self.sys.setns(fd, c.CLONE_NEWNET)
            finally:
                os.close(fd)
            return fn()

        return in_thread(work)
