"""The json-file log written by a thread of the shim, off the output's path.

Encoding and writing the log is the costliest part of copying a container's output: NUL bytes
grow six-fold (`\\u0000`), and the disk may be slow. The shim's loop only queues each chunk
with its read time; the thread encodes and appends it in order, so attached clients get the
output without waiting for the log. The queue is bounded by the loop, which stops reading the
container's output while more than `LOG_BACKLOG` bytes wait (`full`), and is told when the
thread has caught up (`on_caught_up`). os.write releases the GIL, so the disk work overlaps the
loop's copying.

Fork safety: the shim forks runtime children while this thread runs. The children never touch
the queue or its lock, and os.fork holds the GIL, so the thread is between bytecodes.
"""

import collections
from typing import Any
import sys
import traceback

LOG_BACKLOG = 16 * 1024 * 1024       # raw bytes queued before the container's output is paused
CAUGHT_UP = 4 * 1024 * 1024          # reading resumes below this


class BackgroundLog:
    def __init__(self, writer, loop, backlog_limit: int = LOG_BACKLOG, caught_up: int = CAUGHT_UP):
        self._writer = writer                  # a JsonLogWriter, used by the thread only
        self._loop = loop
        self._limit, self._caught_up = backlog_limit, caught_up
        self._queue: collections.deque = collections.deque()
        self._ready: Any = None                # a threading.Condition, made with the thread
        self._backlog = 0                      # queued bytes, under _ready's lock
        self._stopping = False
        self.on_caught_up = None               # loop callback once the backlog fell below CAUGHT_UP
        # Started with the first output: a quiet container (a `sleep`) costs no thread.
        self._thread: Any = None               # a threading.Thread (threading is imported late)

    # loop side ------------------------------------------------------------
    def write(self, stream: str, data: bytes, now_ns: int) -> None:
        self._put(("write", stream, data, now_ns), len(data))

    def flush_partials(self, now_ns: int) -> None:
        """Idle partial lines become entries (queued behind the output before them)."""
        self._put(("flush", None, b"", now_ns), 0)

    def reopen(self, done) -> None:
        """Write to a new file at the log's path (a CRI log the kubelet moved aside); then
        done(error or None) on the loop."""
        self._put(("reopen", done, b"", 0), 0)

    @property
    def writer(self):
        return self._writer

    def full(self) -> bool:
        return self._backlog > self._limit

    def close(self, now_ns: int, done) -> None:
        """Write what is queued, the held partial lines, close the file; then done() on the loop."""
        self._put(("close", done, b"", now_ns), 0)

    def abandon(self) -> None:
        """Stop at once, dropping what is queued (the shim shuts down; the log may be removed)."""
        if self._thread is not None:
            with self._ready:
                self._stopping = True
                self._queue.clear()
                self._ready.notify()
            self._thread.join()
        self._writer.sink.close()

    def _put(self, item, size: int) -> None:
        if self._thread is None:
            # Imported here: threading in the zygote would add its fork hooks to every shim.
            import threading
            self._ready = threading.Condition()
            self._thread = threading.Thread(target=self._work, name="json-file log", daemon=True)
            self._thread.start()
        with self._ready:
            self._queue.append(item)
            self._backlog += size
            self._ready.notify()

    # thread side ----------------------------------------------------------
    def _work(self) -> None:
        while True:
            with self._ready:
                while not self._queue and not self._stopping:
                    self._ready.wait()
                if self._stopping:
                    return
                op, arg, data, now_ns = self._queue.popleft()
            if op == "close":
                self._finish(arg, now_ns)
                return
            if op == "reopen":
                self._reopen(arg)
                continue
            self._do(op, arg, data, now_ns)
            if data:
                self._written(len(data))

    def _do(self, op: str, stream: str, data: bytes, now_ns: int) -> None:
        try:
            if op == "write":
                self._writer.write(stream, data, now_ns)
            else:
                for name in ("stdout", "stderr"):
                    self._writer.flush_partial(name, now_ns)
        except OSError:                       # a full disk: the output still reaches clients
            traceback.print_exc()
            sys.stderr.flush()

    def _reopen(self, done) -> None:
        try:
            self._writer.reopen()
            error = None
        except OSError as err:
            error = f"reopen {self._writer.path}: {err.strerror}"
        self._loop.call_soon_threadsafe(lambda: done(error))

    def _written(self, size: int) -> None:
        with self._ready:
            before = self._backlog
            self._backlog -= size
            caught_up = before >= self._caught_up > self._backlog
        if caught_up and self.on_caught_up is not None:
            self._loop.call_soon_threadsafe(self.on_caught_up)

    def _finish(self, done, now_ns: int) -> None:
        try:
            self._writer.close(now_ns)
        except OSError:
            traceback.print_exc()
            sys.stderr.flush()
        self._loop.call_soon_threadsafe(lambda: self._closed(done))

    def _closed(self, done) -> None:
        self._thread.join()
        done()
