"""The json-file log's writer thread: order, completion before `done`, backpressure, abandon."""

import os
import queue
import threading
import time

from dockyard.shim.jsonlog import JsonLogWriter, RotatingFile
from dockyard.shim.logopts import LogConfig
from dockyard.shim.logthread import BackgroundLog
from tests.unit.shim.test_jsonlog import T0, entries_of

UNLIMITED = LogConfig(0, 1)


class TinyLoop:
    """The one call BackgroundLog makes of the shim's loop (which also owns signals and
    children, not for a test process), with the loop's thread being the test's."""

    def __init__(self):
        self.calls = queue.SimpleQueue()

    def call_soon_threadsafe(self, callback):
        self.calls.put(callback)

    def run_until(self, condition, timeout=10.0):
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, "timed out"
            try:
                self.calls.get(timeout=0.05)()
            except queue.Empty:
                pass


class GatedFile(RotatingFile):
    """A log file whose writes wait until the test opens the gate: a slow disk."""

    def __init__(self, path, config):
        super().__init__(path, config)
        self.gate = threading.Event()

    def _write(self, buffers, size):
        self.gate.wait(10)
        super()._write(buffers, size)


def test_entries_are_written_in_order_before_done_runs(tmp_path):
    loop = TinyLoop()
    log = BackgroundLog(JsonLogWriter(RotatingFile(str(tmp_path / "c.log"), UNLIMITED)), loop)
    for index in range(200):
        log.write("stdout" if index % 2 else "stderr", f"line {index}\n".encode(), T0 + index)
    log.write("stdout", b"partial", T0)
    log.flush_partials(T0)
    log.write("stdout", b" then more", T0)
    finished = []
    log.close(T0, lambda: finished.append(os.path.getsize(tmp_path / "c.log")))
    loop.run_until(lambda: finished)
    entries = entries_of(tmp_path / "c.log")
    assert [e["log"] for e in entries[:200]] == [f"line {i}\n" for i in range(200)]
    assert [e["stream"] for e in entries[:2]] == ["stderr", "stdout"]
    assert [e["log"] for e in entries[200:]] == ["partial", " then more"]
    assert finished == [os.path.getsize(tmp_path / "c.log")]      # complete when done ran


def test_full_while_the_disk_lags_and_caught_up_is_reported(tmp_path):
    loop = TinyLoop()
    sink = GatedFile(str(tmp_path / "c.log"), UNLIMITED)
    log = BackgroundLog(JsonLogWriter(sink), loop, backlog_limit=100_000, caught_up=50_000)
    caught_up = []
    log.on_caught_up = lambda: caught_up.append(log.full())
    for _ in range(12):
        log.write("stdout", b"x" * 9999 + b"\n", T0)
    assert log.full()
    sink.gate.set()
    loop.run_until(lambda: caught_up)
    assert caught_up == [False]
    done = []
    log.close(T0, lambda: done.append(True))
    loop.run_until(lambda: done)
    assert len(entries_of(tmp_path / "c.log")) == 12


def test_abandon_drops_the_backlog_and_stops_writing(tmp_path):
    loop = TinyLoop()
    sink = GatedFile(str(tmp_path / "c.log"), UNLIMITED)
    log = BackgroundLog(JsonLogWriter(sink), loop)
    for _ in range(50):
        log.write("stdout", b"y" * 100 + b"\n", T0)
    threading.Timer(0.2, sink.gate.set).start()     # the write in progress completes
    log.abandon()
    written = os.path.getsize(tmp_path / "c.log")
    time.sleep(0.1)
    assert os.path.getsize(tmp_path / "c.log") == written
    assert len(entries_of(tmp_path / "c.log")) < 50
