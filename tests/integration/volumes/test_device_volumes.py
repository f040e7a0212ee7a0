"""tmpfs- and bind-backed local volumes on the real kernel: mounted while used, never emptied
through a mount point. Driven through the service, as the container lifecycle drives it."""

import asyncio
import os
from pathlib import Path

import pytest

from dockyard.events.journal import EventJournal
from dockyard.mounts.plan import plan_mounts
from dockyard.syscalls.constants import MNT_DETACH
from dockyard.syscalls.linux import LinuxSyscalls
from dockyard.volumes.kernel import mount_points
from dockyard.volumes.removal import remove_tree
from dockyard.volumes.service import VolumeService

pytestmark = pytest.mark.root


@pytest.fixture
def journal(tmp_path):
    events = EventJournal(tmp_path / "events.jsonl")
    yield events
    events.close()


@pytest.fixture
def root(tmp_path):
    yield tmp_path / "root"
    for point in sorted((p for p in mount_points() if p.startswith(str(tmp_path))), reverse=True):
        LinuxSyscalls().umount2(point, MNT_DETACH)


def fstype_of(path: str) -> str | None:
    with open("/proc/self/mountinfo") as info:
        for line in info:
            fields = line.split()
            if fields[4] == os.path.realpath(path):
                return fields[fields.index("-") + 1]
    return None


def use(service, container_id, binds):
    resolved = service.containers.prepare(container_id, plan_mounts({"HostConfig": {"Binds": binds}}, {}))
    return resolved, service.containers.mount(container_id, resolved)


def test_tmpfs_volume_is_mounted_while_used(root, journal):
    service = VolumeService(root, journal)
    service.create("scratch", options={"type": "tmpfs", "device": "tmpfs", "o": "size=10m,mode=0770"})
    path = service.path("scratch")
    assert fstype_of(path) is None
    first, entries = use(service, "c1", ["scratch:/s"])
    assert entries[0]["source"] == path and fstype_of(path) == "tmpfs"
    assert os.statvfs(path).f_blocks * os.statvfs(path).f_frsize == 10 * 1024 * 1024
    with open(f"{path}/f", "w") as out:
        out.write("in memory")
    second, _ = use(service, "c2", ["scratch:/s"])
    service.containers.unmount("c1", first)
    assert fstype_of(path) == "tmpfs"  # c2 still uses it
    service.containers.unmount("c2", second)
    assert fstype_of(path) is None and os.listdir(path) == []
    actions = [(e.action, e.attributes.get("container")) for e in journal._recent if e.type == "volume"]
    assert actions[-4:] == [("mount", "c1"), ("mount", "c2"), ("unmount", "c1"), ("unmount", "c2")]


def test_bind_backed_volume_writes_through_to_the_device(root, journal, tmp_path):
    device = tmp_path / "host-dir"
    device.mkdir()
    (device / "existing").write_text("host data")
    service = VolumeService(root, journal)
    service.create("hostvol", options={"type": "none", "device": str(device), "o": "bind"})
    resolved, _ = use(service, "c1", ["hostvol:/h"])
    assert Path(f"{service.path('hostvol')}/existing").read_text() == "host data"
    with open(f"{service.path('hostvol')}/new", "w") as out:
        out.write("from container")
    service.containers.unmount("c1", resolved)
    asyncio.run(service.containers.release("c1"))
    asyncio.run(service.remove("hostvol"))
    assert sorted(os.listdir(device)) == ["existing", "new"]  # the host directory is never emptied


def test_crash_with_a_mounted_volume(root, journal, tmp_path):
    device = tmp_path / "precious"
    device.mkdir()
    (device / "keep").write_text("keep me")
    service = VolumeService(root, journal)
    service.create("bv", options={"type": "none", "device": str(device), "o": "bind"})
    use(service, "c1", ["bv:/b"])
    # the daemon dies; a new one finds the mount and the record of its user, and keeps both
    restarted = VolumeService(root, journal)
    assert restarted.get("bv").mounted_by == {"c1"} and fstype_of(restarted.path("bv"))
    # the container turned out to be gone: its mount goes, then the volume can go
    restarted.forget_containers_except(set())
    assert fstype_of(restarted.path("bv")) is None
    asyncio.run(restarted.remove("bv"))
    assert (device / "keep").read_text() == "keep me"


def test_stale_mount_without_users_is_unmounted_at_load(root, journal, tmp_path):
    service = VolumeService(root, journal)
    service.create("tv", options={"type": "tmpfs", "device": "tmpfs", "o": "size=1m"})
    LinuxSyscalls().mount("tmpfs", service.path("tv"), "tmpfs", 0, "size=1m")
    VolumeService(root, journal)
    assert fstype_of(service.path("tv")) is None


def test_removal_never_reaches_through_a_mount_point(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    (source / "data").write_text("must survive")
    doomed = tmp_path / "doomed/inner"
    doomed.mkdir(parents=True)
    (tmp_path / "doomed/file").write_text("x")
    LinuxSyscalls().mount(str(source), str(doomed), None, 4096, None)  # MS_BIND, same filesystem
    try:
        remove_tree(tmp_path / "doomed")
        assert (source / "data").read_text() == "must survive"
        assert not (tmp_path / "doomed/file").exists()
    finally:
        LinuxSyscalls().umount2(str(doomed), MNT_DETACH)


def test_bad_mount_options_fail_cleanly(root, journal):
    service = VolumeService(root, journal)
    service.create("broken", options={"type": "tmpfs", "device": "tmpfs", "o": "size=notasize"})
    resolved = service.containers.prepare("c1", plan_mounts({"HostConfig": {"Binds": ["broken:/x"]}}, {}))
    from dockyard.errors import InternalError
    with pytest.raises(InternalError, match="failed to mount local volume"):
        service.containers.mount("c1", resolved)
    assert service.get("broken").mounted_by == set()


def test_shared_binds_need_a_shared_host_mount(root, journal, tmp_path):
    service = VolumeService(root, journal)
    private, shared = tmp_path / "private", tmp_path / "shared"
    for directory in (private, shared):
        directory.mkdir()
        LinuxSyscalls().mount("tmpfs", str(directory), "tmpfs", 0, "size=1m")
    LinuxSyscalls().mount("", str(private), None, 1 << 18, None)  # MS_PRIVATE
    LinuxSyscalls().mount("", str(shared), None, 1 << 20, None)   # MS_SHARED
    from dockyard.errors import InvalidArgument
    resolved = service.containers.prepare("c1", plan_mounts({"HostConfig": {"Binds": [f"{private}:/p:rshared"]}}, {}))
    with pytest.raises(InvalidArgument, match=f"path {private} is mounted on {private} but it is not a shared mount"):
        service.containers.mount("c1", resolved)
    resolved = service.containers.prepare("c2", plan_mounts({"HostConfig": {"Binds": [f"{shared}/sub:/s:rshared",
                                                                                      f"{shared}:/t:rslave"]}}, {}))
    entries = service.containers.mount("c2", resolved)
    assert [e["options"] for e in entries] == [["rbind", "rshared"], ["rbind", "rslave"]]
