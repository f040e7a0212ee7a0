"""Copy-up of image content into a new, empty volume (as an unprivileged user can check)."""

import asyncio
import os
import stat

import pytest

from dockyard.events.journal import EventJournal
from dockyard.mounts.plan import plan_mounts
from dockyard.volumes.copy_up import copy_up
from dockyard.volumes.service import VolumeService


@pytest.fixture
def rootfs(tmp_path):
    root = tmp_path / "rootfs"
    (root / "etc/app/conf.d").mkdir(parents=True)
    (root / "etc/app/main.conf").write_text("main")
    (root / "etc/app/conf.d/extra.conf").write_text("extra")
    os.chmod(root / "etc/app/main.conf", 0o640)
    os.chmod(root / "etc/app", 0o750)
    os.link(root / "etc/app/main.conf", root / "etc/app/hard.conf")
    os.symlink("main.conf", root / "etc/app/link.conf")
    os.mkfifo(root / "etc/app/fifo")
    os.symlink("/etc/app", root / "alias")           # absolute: must stay inside the rootfs
    os.symlink("../../../../../../etc", root / "up")  # climbs: clamped at the rootfs
    return root


def test_copy_keeps_modes_links_and_times(rootfs, tmp_path):
    target = tmp_path / "vol"
    target.mkdir()
    assert copy_up(str(rootfs), "/etc/app", str(target))
    assert (target / "main.conf").read_text() == "main"
    assert (target / "conf.d/extra.conf").read_text() == "extra"
    assert stat.S_IMODE(os.stat(target / "main.conf").st_mode) == 0o640
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o750
    assert os.stat(target / "hard.conf").st_ino == os.stat(target / "main.conf").st_ino
    assert os.readlink(target / "link.conf") == "main.conf"
    assert stat.S_ISFIFO(os.lstat(target / "fifo").st_mode)
    assert os.stat(target / "main.conf").st_mtime_ns == os.stat(rootfs / "etc/app/main.conf").st_mtime_ns


def test_no_copy_into_a_non_empty_volume_or_from_nothing(rootfs, tmp_path):
    target = tmp_path / "vol"
    target.mkdir()
    (target / "mine").write_text("x")
    assert not copy_up(str(rootfs), "/etc/app", str(target))
    assert os.listdir(target) == ["mine"]
    assert not copy_up(str(rootfs), "/nothing/here", str(target))
    assert not copy_up(str(rootfs), "/etc/app/main.conf", str(target))


def test_service_copy_up_respects_nocopy(rootfs, tmp_path):
    events = EventJournal(tmp_path / "events.jsonl")
    service = VolumeService(tmp_path / "root", events)
    body = {"HostConfig": {"Binds": ["seeded:/etc/app", "empty:/alias:nocopy"]}}
    resolved = service.containers.prepare("c1", plan_mounts(body, {}))
    asyncio.run(service.containers.copy_up(resolved, str(rootfs)))
    assert sorted(os.listdir(service.path("seeded"))) == ["conf.d", "fifo", "hard.conf", "link.conf", "main.conf"]
    assert os.listdir(service.path("empty")) == []
    events.close()
