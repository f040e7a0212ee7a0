"""The shim's single-threaded event loop: fd readiness, timers and child reaping.

The shim is a child subreaper, so every child and every orphan of the container
(the init after `runc create` exits) is reaped here with waitpid(-1) on SIGCHLD.
"""

import collections
import heapq
import itertools
import os
import selectors
import signal
import sys
import time
import traceback

_READ, _WRITE = selectors.EVENT_READ, selectors.EVENT_WRITE


class Loop:
    def __init__(self):
        self.selector = selectors.DefaultSelector()
        self._callbacks: dict[int, list] = {}      # fd -> [on_readable, on_writable]
        self._timers: list = []
        self._sequence = itertools.count()
        self._child_callbacks: dict[int, callable] = {}
        self._exited: dict[int, int] = {}           # reaped before anyone asked
        self._from_threads: collections.deque = collections.deque()
        self.running = False
        self.cwd_owner = None                       # whose state dir the process is in (container_loop.py)
        self._wake_r, self._wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        signal.set_wakeup_fd(self._wake_w, warn_on_full_buffer=False)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        self.add_reader(self._wake_r, self._on_wakeup)

    # fds ------------------------------------------------------------------
    def add_reader(self, fd: int, callback) -> None:
        self._set(fd, 0, callback)

    def remove_reader(self, fd: int) -> None:
        self._set(fd, 0, None)

    def add_writer(self, fd: int, callback) -> None:
        self._set(fd, 1, callback)

    def remove_writer(self, fd: int) -> None:
        self._set(fd, 1, None)

    def forget(self, fd: int) -> None:
        if self._callbacks.pop(fd, None) is not None:
            self.selector.unregister(fd)

    def _set(self, fd: int, slot: int, callback) -> None:
        pair = self._callbacks.get(fd)
        if pair is None:
            if callback is None:
                return
            pair = self._callbacks[fd] = [None, None]
            pair[slot] = callback
            self.selector.register(fd, self._mask(pair), pair)
            return
        pair[slot] = callback
        mask = self._mask(pair)
        if mask:
            self.selector.modify(fd, mask, pair)
        else:
            self.forget(fd)

    @staticmethod
    def _mask(pair) -> int:
        return (_READ if pair[0] else 0) | (_WRITE if pair[1] else 0)

    # timers ---------------------------------------------------------------
    def call_later(self, delay: float, callback) -> None:
        heapq.heappush(self._timers, (time.monotonic() + delay, next(self._sequence), callback))

    # children -------------------------------------------------------------
    def watch_child(self, pid: int, callback) -> None:
        """callback(wait_status) once pid has exited (at once if it already has)."""
        if pid in self._exited:
            status = self._exited.pop(pid)
            self.call_later(0, lambda: callback(status))
        else:
            self._child_callbacks[pid] = callback

    def wait_child_blocking(self, pid: int) -> int:
        if pid in self._exited:
            return self._exited.pop(pid)
        return os.waitpid(pid, 0)[1]

    def call_soon_threadsafe(self, callback) -> None:
        """From another thread (the log writer): run callback on the loop, soon."""
        self._from_threads.append(callback)
        try:
            os.write(self._wake_w, b"\0")     # the signal wake-up pipe: any byte wakes the loop
        except BlockingIOError:               # full: a wake-up is pending anyway
            pass

    def _on_wakeup(self) -> None:
        try:
            while os.read(self._wake_r, 512):
                pass
        except BlockingIOError:
            pass
        while self._from_threads:
            _guarded(self._from_threads.popleft())
        self.reap()

    def reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            callback = self._child_callbacks.pop(pid, None)
            if callback is None:
                self._exited[pid] = status
            else:
                callback(status)

    # running --------------------------------------------------------------
    def run(self) -> None:
        self.running = True
        self.reap()
        while self.running:
            self._run_once()

    def stop(self) -> None:
        self.running = False

    def _run_once(self) -> None:
        timeout = None
        if self._timers:
            timeout = max(0.0, self._timers[0][0] - time.monotonic())
        for key, mask in self.selector.select(timeout):
            pair: list = key.data  # [on_readable, on_writable]
            if mask & _READ and pair[0]:
                _guarded(pair[0])
            if mask & _WRITE and pair[1] and self._callbacks.get(key.fd) is pair:
                _guarded(pair[1])
        now = time.monotonic()
        while self._timers and self._timers[0][0] <= now:
            _, _, callback = heapq.heappop(self._timers)
            _guarded(callback)


def _guarded(callback) -> None:
    """A bug in one callback must not kill the shim: the container would lose its keeper."""
    try:
        callback()
    except Exception:
        traceback.print_exc()
        sys.stderr.flush()
