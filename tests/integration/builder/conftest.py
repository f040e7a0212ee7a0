"""Builder fixtures: the docker CLI with the buildx plugin against the shared busybox daemon."""

import pytest

from tests.support import buildx as buildx_support


@pytest.fixture
def buildx(busybox, tmp_path):
    reason = buildx_support.missing()
    if reason:
        pytest.skip(reason)
    return buildx_support.Buildx(busybox, tmp_path / "docker-config")
