"""A container's callbacks in a shared shim host's loop: each runs in its own state dir, a
failure is written to its own shim.log, and a closed container's pending callbacks never run."""

import os
import signal

import pytest

from dockyard.shim.container_loop import ContainerLoop
from dockyard.shim.loop import Loop


@pytest.fixture(autouse=True)
def _process_state_given_back(monkeypatch):
    """A Loop takes SIGCHLD and the signal wake-up fd, and these tests move the cwd."""
    monkeypatch.chdir(os.getcwd())
    handler = signal.getsignal(signal.SIGCHLD)
    wakeup = signal.set_wakeup_fd(-1)
    yield
    signal.set_wakeup_fd(wakeup)
    signal.signal(signal.SIGCHLD, handler)


def _scopes(tmp_path):
    loop = Loop()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    return loop, ContainerLoop(loop, tmp_path / "a"), ContainerLoop(loop, tmp_path / "b")


def _run_timers(loop: Loop) -> None:
    loop.call_later(0.001, loop.stop)
    loop.run()


def test_callbacks_run_in_their_own_state_dir_and_give_the_cwd_back(tmp_path):
    loop, a, b = _scopes(tmp_path)
    seen = []
    nested = []
    b_callback = b._scoped(lambda: nested.append(os.getcwd()))

    def in_a():
        seen.append(os.getcwd())
        b_callback()                          # another container's code, called from a's (Loop.reap)
        seen.append(os.getcwd())

    a.call_later(0, in_a)
    b.call_later(0, lambda: seen.append(os.getcwd()))
    _run_timers(loop)
    assert seen == [str(tmp_path / "a"), str(tmp_path / "a"), str(tmp_path / "b")]
    assert nested == [str(tmp_path / "b")]
    assert os.getcwd() == "/"                 # between callbacks the host holds no container's dir


def test_a_failing_callback_is_its_own_containers_news(tmp_path):
    loop, a, b = _scopes(tmp_path)
    ran = []

    def broken():
        raise ValueError("a's bug")

    a.call_later(0, broken)
    b.call_later(0, lambda: ran.append("b"))
    _run_timers(loop)
    assert "ValueError: a's bug" in (tmp_path / "a" / "shim.log").read_text()
    assert not (tmp_path / "b" / "shim.log").exists()
    assert ran == ["b"]


def test_a_closed_containers_callbacks_are_dropped(tmp_path):
    loop, a, _ = _scopes(tmp_path)
    ran = []
    a.call_later(0, lambda: ran.append("late timer"))
    a.close()
    _run_timers(loop)
    assert ran == []


def test_a_container_whose_dir_was_removed_is_dropped_at_its_next_callback(tmp_path):
    loop, a, b = _scopes(tmp_path)
    ran, vanished = [], []
    a.on_vanished = lambda: vanished.append("a")
    (tmp_path / "a").rmdir()
    a.call_later(0, lambda: ran.append("a"))
    a.call_later(0, lambda: ran.append("a again"))
    b.call_later(0, lambda: ran.append("b"))
    _run_timers(loop)
    assert vanished == ["a"] and ran == ["b"]
    assert os.getcwd() == "/"
