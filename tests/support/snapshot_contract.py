"""The snapshot driver contract's shared data and fixtures (used by unit and root tests)."""

import os

import pytest

from dockyard.snapshots.drivers import CopyDriver, OverlayDriver
from dockyard.snapshots.mounter import Mounter
from dockyard.snapshots.store import SnapshotStore
from tests.support.layers import entry, layer_tar

BASE = layer_tar(entry("etc", "d"), entry("etc/a", data=b"A"), entry("etc/b", data=b"B"),
                 entry("bin", "d"), entry("bin/x", data=b"x"), entry("bin/sub", "d"),
                 entry("bin/sub/deep", data=b"d"))
TOP = layer_tar(entry("etc", "d"), entry("etc/.wh.a"), entry("bin", "d"), entry("bin/.wh..wh..opq"),
                entry("bin/y", data=b"y"))


@pytest.fixture(params=["overlay", "copy"])
def store(request, tmp_path):
    driver = OverlayDriver() if request.param == "overlay" else CopyDriver()
    return SnapshotStore(str(tmp_path / "snapshots"), driver)


@pytest.fixture
def mounted(tmp_path):
    targets = []
    mounter = Mounter()

    def mount(mounts):
        target = tmp_path / f"m{len(targets)}"
        target.mkdir()
        mounter.mount_all(mounts, str(target))
        targets.append(target)
        return target

    yield mount
    for t in reversed(targets):  # bind mounts of the same fs are invisible to ismount
        mounter.unmount(str(t))


def tree(root):
    found = {}
    for dirpath, dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(dirpath, name)
            found[os.path.relpath(path, root)] = open(path, "rb").read()
    return found


