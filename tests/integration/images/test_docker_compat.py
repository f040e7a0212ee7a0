"""Archives move both ways between dockyardd and a real dockerd (skipped without dockerd)."""

import json
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.support.busybox import import_busybox
from tests.support.dockerd import PrivateDockerd, dockerd_available

pytestmark = [pytest.mark.root,
              pytest.mark.skipif(not dockerd_available(), reason="dockerd is not installed")]


@pytest.fixture
def dockerd():
    base = Path(tempfile.mkdtemp(prefix="dockyard-dockerd-", dir="/tmp"))
    d = PrivateDockerd(base)
    try:
        yield d.start()
    finally:
        d.stop()
        shutil.rmtree(base, ignore_errors=True)


def test_our_save_runs_in_dockerd_and_its_save_loads_here(fresh_daemon, dockerd, tmp_path):
    ours = fresh_daemon.start()
    image_id = import_busybox(ours)
    ours.docker("tag", "busybox", "compat:1")
    archive = tmp_path / "ours.tar"
    ours.docker("save", "-o", str(archive), "busybox", "compat:1")
    loaded = dockerd.docker("load", "-i", str(archive)).stdout.decode()
    assert "Loaded image: busybox:latest" in loaded and "Loaded image: compat:1" in loaded
    assert json.loads(dockerd.docker("image", "inspect", "compat:1").stdout)[0]["Id"] == image_id
    ran = dockerd.docker("run", "--rm", "--network", "none", "compat:1", "echo", "hello from dockerd")
    assert ran.stdout.decode().strip() == "hello from dockerd"
    theirs = tmp_path / "theirs.tar"
    dockerd.docker("tag", "compat:1", "fromdockerd:2")
    dockerd.docker("save", "-o", str(theirs), "fromdockerd:2")
    ours.docker("rmi", "busybox", "compat:1")
    assert "Loaded image: fromdockerd:2" in ours.docker("load", "-i", str(theirs)).stdout
    assert json.loads(ours.docker("image", "inspect", "fromdockerd:2").stdout)[0]["Id"] == image_id
