"""Integration fixtures: real daemons on temporary roots; nothing left mounted or running."""

import shutil
import tempfile
from pathlib import Path

import pytest

from tests.support.daemon import Daemon, mounts_under


@pytest.fixture(scope="session")
def session_base():
    base = Path(tempfile.mkdtemp(prefix="dockyard-test-", dir="/tmp"))
    yield base
    leftovers = mounts_under(base)
    shutil.rmtree(base, ignore_errors=True)
    assert not leftovers, f"left mounted: {leftovers}"


@pytest.fixture(scope="session")
def daemon(session_base):
    """One daemon shared by the tests of a session."""
    d = Daemon(session_base, "shared").start()
    yield d
    assert d.stop() == 0, d.log()


@pytest.fixture
def fresh_daemon(tmp_path_factory):
    """A daemon of this test's own, on its own roots."""
    base = Path(tempfile.mkdtemp(prefix="dockyard-fresh-", dir="/tmp"))
    d = Daemon(base, "fresh")
    yield d
    d.stop()
    leftovers = mounts_under(base)
    shutil.rmtree(base, ignore_errors=True)
    assert not leftovers, f"left mounted: {leftovers}"


@pytest.fixture(scope="session")
def busybox(daemon):
    """The shared daemon with a busybox image made offline from busybox-static."""
    from tests.support.busybox import import_busybox
    import_busybox(daemon)
    return daemon
