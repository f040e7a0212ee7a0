"""One CRI-serving daemon for the CRI tests (tests.support.cri_stack)."""

import pytest

from tests.support.cri_stack import stack_or_skip


@pytest.fixture(scope="module")
def cri():
    with stack_or_skip("dockyard-cri-") as stack:
        yield stack
