"""Registry fixtures: Debian's docker-registry on loopback, with and without htpasswd auth."""

import tempfile
from pathlib import Path

import pytest

from tests.support.busybox import import_busybox
from tests.support.registry import Registry

USERS = {"tester": "s3cret-pass"}


def _started(users=None):
    reason = Registry.missing()
    if reason:
        pytest.skip(reason)
    registry = Registry(Path(tempfile.mkdtemp(prefix="dockyard-registry-", dir="/tmp")), users)
    return registry.start()


@pytest.fixture(scope="module")
def registry():
    r = _started()
    yield r
    r.remove()


@pytest.fixture(scope="module")
def auth_registry():
    r = _started(USERS)
    yield r
    r.remove()


@pytest.fixture
def d(fresh_daemon):
    """A daemon of this test's own with busybox imported and a two-layer image `app:1` on it."""
    daemon = fresh_daemon.start()
    import_busybox(daemon)
    daemon.docker("run", "--name", "maker", "busybox", "sh", "-c",
                  "mkdir -p /srv && echo pulled-back > /srv/greeting && head -c 300000 /dev/urandom > /srv/noise")
    daemon.docker("commit", "-c", 'CMD ["cat", "/srv/greeting"]', "maker", "app:1")
    daemon.docker("rm", "maker")
    return daemon
