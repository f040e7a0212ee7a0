"""One CRI-serving daemon for the CRI tests (tests.support.cri_stack)."""

import shutil
import tempfile
from pathlib import Path

import pytest

from tests.support.cri_stack import CriStack, missing
from tests.support.daemon import mounts_under


@pytest.fixture(scope="module")
def cri():
    reason = missing()
    if reason:
        pytest.skip(reason)
    base = Path(tempfile.mkdtemp(prefix="dockyard-cri-", dir="/tmp"))
    stack = CriStack(base).start()
    yield stack
    stack.stop()
    leftovers = mounts_under(base)
    shutil.rmtree(base, ignore_errors=True)
    assert not leftovers, f"left mounted: {leftovers}"
