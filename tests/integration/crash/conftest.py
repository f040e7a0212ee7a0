"""A daemon of the test's own, on its own roots and bridge, that the test kills and restarts."""

import shutil
import tempfile
from pathlib import Path

import pytest

from tests.support.busybox import import_busybox
from tests.support.daemon import Daemon


@pytest.fixture
def crash_daemon():
    """Not started. Whatever containers a failed test left are removed at the end."""
    base = Path(tempfile.mkdtemp(prefix="dockyard-crash-", dir="/tmp"))
    d = Daemon(base, "crash", extra_args=("--bridge", "dyc" + base.name[-8:].replace("_", "0")))
    yield d
    if d.process is not None and d.process.poll() is None:
        left = d.docker("ps", "-aq", check=False).stdout.split()
        if left:
            d.docker("rm", "-f", *left, check=False)
    d.stop()
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def crash_busybox(crash_daemon):
    """Started, with the busybox image."""
    import_busybox(crash_daemon.start())
    return crash_daemon
