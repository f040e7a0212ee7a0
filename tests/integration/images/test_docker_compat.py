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


def test_multi_layer_image_built_by_dockerd_loads_with_whiteouts(fresh_daemon, dockerd, tmp_path):
    ours = fresh_daemon.start()
    import_busybox(ours)
    archive = tmp_path / "base.tar"
    ours.docker("save", "-o", str(archive), "busybox")
    dockerd.docker("load", "-i", str(archive))
    context = tmp_path / "ctx"
    context.mkdir()
    (context / "Dockerfile").write_text(
        "FROM busybox\n"
        "RUN mkdir -p /data/keep && echo one > /data/keep/a && echo two > /data/b\n"
        "RUN rm /etc/group /data/b && rm -rf /data/keep && mkdir /data/keep && echo new > /data/keep/c\n"
        'CMD ["cat", "/data/keep/c"]\n')
    dockerd.docker("build", "--network", "none", "-t", "layered:1", str(context))
    built = json.loads(dockerd.docker("image", "inspect", "layered:1").stdout)[0]
    saved = tmp_path / "layered.tar"
    dockerd.docker("save", "-o", str(saved), "layered:1")
    ours.docker("load", "-i", str(saved))
    info = json.loads(ours.docker("image", "inspect", "layered:1").stdout)[0]
    assert info["Id"] == built["Id"] and len(info["RootFS"]["Layers"]) == 3
    history = ours.docker("history", "-q", "layered:1").stdout.split()
    assert history[0] == built["Id"][7:19] and len(history) == 4
    # the unpacked layers merge to what dockerd's container saw
    from dockyard.images.service import ImageService
    from dockyard.snapshots.mounter import Mounter
    ours.stop()
    service = ImageService(str(ours.data_root))
    target = tmp_path / "view"
    target.mkdir()
    mounter = Mounter()
    mounter.mount_all(service.snapshots.view("check", service.resolve("layered:1").top_chain), str(target))
    try:
        assert not (target / "etc" / "group").exists() and (target / "etc" / "passwd").exists()
        assert sorted(p.name for p in (target / "data").iterdir()) == ["keep"]
        assert sorted(p.name for p in (target / "data" / "keep").iterdir()) == ["c"]
        assert (target / "data" / "keep" / "c").read_text() == "new\n"
    finally:
        mounter.unmount(str(target))
        service.snapshots.remove("check")
