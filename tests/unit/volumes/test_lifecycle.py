"""The calls the container lifecycle makes, in its order: create, start, stop, rm, boot."""

import asyncio
import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from dockyard.errors import InvalidArgument, NotFound
from dockyard.events.journal import EventJournal
from dockyard.volumes.service import VolumeService


@dataclass
class Container:  # the fields of containers.model.Container the volume side reads
    id: str
    config: dict = field(default_factory=dict)
    host_config: dict = field(default_factory=dict)
    mounts: list = field(default_factory=list)


@pytest.fixture
def journal(tmp_path):
    events = EventJournal(tmp_path / "events.jsonl")
    yield events
    events.close()


@pytest.fixture
def known_mounts():
    """Containers' inspect `Mounts` by reference, as the container registry answers them."""
    return {}


@pytest.fixture
def service(tmp_path, journal, known_mounts):
    return VolumeService(tmp_path / "root", journal, mounts_of=known_mounts.__getitem__)


@pytest.fixture
def rootfs(tmp_path):
    root = tmp_path / "rootfs"
    (root / "var/lib/app").mkdir(parents=True)
    (root / "var/lib/app/seed").write_text("from the image")
    return str(root)


def run(coro):
    return asyncio.run(coro)


def volume_actions(journal):
    return [(e.action, e.actor_id) for e in journal._recent if e.type == "volume"]


def test_create_start_stop_rm(service, journal, rootfs, tmp_path):
    c = Container("c" * 64, config={"Volumes": {"/var/lib/app": {}}},
                  host_config={"Binds": ["named:/data", f"{tmp_path}/host:/host:ro"], "Tmpfs": {"/run": ""}})
    c.mounts = run(service.plan_for_create(c, {"Volumes": {"/var/lib/app": {}}}))
    assert [m["Destination"] for m in c.mounts] == ["/data", "/host", "/var/lib/app"]
    anonymous = c.mounts[2]["Name"]
    assert c.mounts[2]["Source"] == service.path(anonymous)

    oci = run(service.mounts_for_start(c, rootfs))
    assert [(m["destination"], m["type"]) for m in oci] == [  # `--tmpfs /run` is oci.spec's to render
        ("/data", "bind"), ("/host", "bind"), ("/var/lib/app", "bind")]
    assert Path(service.path(anonymous), "seed").read_text() == "from the image"
    assert os.path.isdir(f"{tmp_path}/host")  # `-v` creates a missing bind source

    run(service.after_stop(c))
    run(service.after_stop(c))  # repeatable: no second unmount
    os.unlink(os.path.join(service.path(anonymous), "seed"))
    run(service.mounts_for_start(c, rootfs))
    assert os.listdir(service.path(anonymous)) == []  # copy-up happens once, before the first run
    run(service.after_stop(c))

    assert run(service.after_remove(c, remove_anonymous=True)) == [anonymous]
    assert [v.name for v in service.list_volumes()] == ["named"]
    actions = volume_actions(journal)
    assert actions.count(("mount", "named")) == 2 and actions.count(("unmount", "named")) == 2
    assert ("destroy", anonymous) in actions


def test_rm_without_v_keeps_anonymous_volumes(service):
    c = Container("c1", config={"Volumes": {"/a": {}}})
    [mount] = run(service.plan_for_create(c, {}))
    assert run(service.after_remove(c)) == []
    assert service.get(mount["Name"]).references == set()


def test_volumes_from_through_the_lookup(service, known_mounts):
    web = Container("web1", host_config={"Binds": ["shared:/shared"]})
    web.mounts = run(service.plan_for_create(web, {}))
    known_mounts["web"] = web.mounts
    reader = Container("reader1", host_config={"VolumesFrom": ["web:ro"]})
    [mount] = run(service.plan_for_create(reader, {}))
    assert mount["Name"] == "shared" and mount["RW"] is False
    assert service.get("shared").references == {"web1", "reader1"}


def test_volumes_from_an_inherited_volume_that_is_gone(service):
    ghost = [{"Type": "volume", "Name": "gone", "Destination": "/g", "RW": True}]
    c = Container("c1", host_config={"VolumesFrom": ["old"]})
    with pytest.raises(NotFound, match="get gone: no such volume"):
        run(service.plan_for_create(c, {}, lambda ref: ghost))


def test_boot_forgets_containers_that_are_gone(service, tmp_path, journal):
    kept, gone = Container("kept1", host_config={"Binds": ["v1:/a"]}), Container("gone1", host_config={"Binds": ["v1:/b"]})
    for c in (kept, gone):
        run(service.plan_for_create(c, {}))
    restarted = VolumeService(tmp_path / "root", journal)
    restarted.forget_containers_except({"kept1"})
    assert restarted.get("v1").references == {"kept1"}
    assert sorted(os.listdir(tmp_path / "root/volumes/.containers")) == ["kept1.json"]


def test_start_of_a_container_created_before_volumes_were_wired(service, rootfs):
    c = Container("old1", config={"Volumes": {"/var/lib/app": {}}})
    [entry] = run(service.mounts_for_start(c, rootfs))
    assert entry["destination"] == "/var/lib/app" and os.listdir(entry["source"]) == ["seed"]


def test_containers_without_mounts_write_nothing(service, tmp_path, rootfs):
    c = Container("plain1", config={"Cmd": ["true"]})
    assert run(service.plan_for_create(c, {})) == []
    assert run(service.mounts_for_start(c, rootfs)) == []
    run(service.after_stop(c))
    assert run(service.after_remove(c, remove_anonymous=True)) == []
    assert os.listdir(tmp_path / "root/volumes/.containers") == []


def test_tmpfs_flags_and_mounts(service, rootfs):
    c = Container("t1", host_config={"Tmpfs": {"/run": "size=1m"},
                                     "Mounts": [{"Type": "tmpfs", "Target": "/t", "TmpfsOptions": {"SizeBytes": 2 << 20}}]})
    [listed] = run(service.plan_for_create(c, {}))  # `--tmpfs` is not listed in Mounts, `--mount` is
    assert listed["Destination"] == "/t"
    [entry] = run(service.mounts_for_start(c, rootfs))  # and oci.spec renders `HostConfig.Tmpfs` itself
    assert entry["type"] == "tmpfs" and entry["destination"] == "/t" and "size=2m" in entry["options"]


def test_a_crash_that_lost_our_records_is_repaired_from_the_containers_own(service, tmp_path, journal, rootfs):
    c = Container("c1", config={"Volumes": {"/var/lib/app": {}}}, host_config={"Binds": ["named:/n"]})
    c.mounts = run(service.plan_for_create(c, {}))
    anonymous = {m["Destination"]: m["Name"] for m in c.mounts}["/var/lib/app"]
    for name in os.listdir(tmp_path / "root/volumes/.containers"):
        os.unlink(tmp_path / "root/volumes/.containers" / name)  # never reached the disk
    restarted = VolumeService(tmp_path / "root", journal)
    restarted.adopt_containers([c])
    assert restarted.get("named").references == {"c1"} and restarted.get(anonymous).references == {"c1"}
    [_, anon_entry] = run(restarted.mounts_for_start(c, rootfs))
    assert anon_entry["source"] == restarted.path(anonymous)  # the same anonymous volume, not a new one
    assert sorted(v.name for v in restarted.list_volumes()) == sorted(["named", anonymous])


def test_a_failed_replan_keeps_the_references_the_container_had(service, tmp_path, rootfs):
    c = Container("c1", host_config={"Binds": ["keep:/k"]})
    c.mounts = run(service.plan_for_create(c, {}))
    for name in os.listdir(tmp_path / "root/volumes/.containers"):
        os.unlink(tmp_path / "root/volumes/.containers" / name)
    c.host_config["Binds"].append("bad/name:/b")  # fails after `keep` is referenced again
    with pytest.raises(InvalidArgument, match="create bad/name"):
        run(service.mounts_for_start(c, rootfs))
    assert service.get("keep").references == {"c1"}
