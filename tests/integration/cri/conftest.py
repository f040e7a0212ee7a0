"""One CRI-serving daemon for the CRI tests (tests.support.cri_stack)."""

import pytest

from tests.support.cri_stack import missing, running_stack


@pytest.fixture(scope="module")
def cri():
    reason = missing()
    if reason:
        pytest.skip(reason)
    with running_stack("dockyard-cri-") as stack:
        yield stack
