"""The volume service on a real data root (no mounts: device-backed volumes are in integration)."""

import asyncio
import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from dockyard.errors import Conflict, InvalidArgument, NotFound
from dockyard.events.journal import EventJournal
from dockyard.mounts.plan import plan_mounts
from dockyard.volumes.model import ANONYMOUS_LABEL
from dockyard.volumes.service import VolumeService


@pytest.fixture
def journal(tmp_path):
    events = EventJournal(tmp_path / "events.jsonl")
    yield events
    events.close()


@pytest.fixture
def service(tmp_path, journal):
    return VolumeService(tmp_path / "root", journal)


def actions(journal):
    return [(e.type, e.action, e.actor_id) for e in journal._recent]


def run(coro):
    return asyncio.run(coro)


@dataclass
class Container:  # the fields of containers.model.Container the volume side reads
    id: str
    config: dict
    host_config: dict


def test_create_inspect_and_idempotent_create(service, tmp_path, journal):
    volume = service.create("data1", labels={"a": "b"})
    body = service.to_json(volume)
    assert body["Name"] == "data1" and body["Driver"] == "local" and body["Scope"] == "local"
    assert body["Labels"] == {"a": "b"} and body["Options"] is None
    assert body["Mountpoint"] == str(tmp_path / "root/volumes/data1/_data")
    assert os.path.isdir(body["Mountpoint"])
    assert service.create("data1") is volume
    assert actions(journal) == [("volume", "create", "data1")]


def test_unnamed_create_gets_a_64_hex_name_and_is_anonymous(service):
    volume = service.create(labels={"k": "v"})
    assert len(volume.name) == 64 and int(volume.name, 16) >= 0
    assert volume.labels == {"k": "v", ANONYMOUS_LABEL: ""}


def test_bad_names_and_drivers(service, tmp_path):
    for name in ("../escape", "a/b", ".."):
        with pytest.raises(InvalidArgument, match=f"create {name}:"):
            service.create(name)
    assert sorted(os.listdir(tmp_path / "root/volumes")) == [".containers"]
    with pytest.raises(NotFound, match='plugin "nfs" not found'):
        service.create("v1", driver="nfs")


def test_get_missing(service):
    with pytest.raises(NotFound) as err:
        service.get("nope")
    assert str(err.value) == "get nope: no such volume"


def test_remove_and_in_use(service, journal):
    plan = plan_mounts({"HostConfig": {"Binds": ["keep:/data"]}}, {})
    service.containers.prepare("c" * 64, plan)
    with pytest.raises(Conflict) as err:
        run(service.remove("keep"))
    assert str(err.value) == f"remove keep: volume is in use - [{'c' * 64}]"
    run(service.remove("nope", force=True))
    with pytest.raises(NotFound):
        run(service.remove("nope"))
    run(service.containers.release("c" * 64))
    run(service.remove("keep"))
    assert service.list_volumes() == []
    assert ("volume", "destroy", "keep") in actions(journal)


def test_prepare_names_anonymous_volumes_and_release_removes_only_them(service, tmp_path):
    body = {"Volumes": {"/anon": {}}, "HostConfig": {"Binds": ["named:/named"],
                                                      "Mounts": [{"Type": "volume", "Target": "/anon2"}]}}
    resolved = service.containers.prepare("c1", plan_mounts(body, {}))
    anonymous = [m.source for m in resolved if m.anonymous]
    assert len(anonymous) == 2 and all(len(n) == 64 for n in anonymous)
    assert all(service.get(n).labels == {ANONYMOUS_LABEL: ""} for n in anonymous)
    assert service.get("named").references == {"c1"}
    mounts = service.containers.inspect_mounts(resolved)
    assert {m["Destination"]: m["Source"] for m in mounts}["/named"] == str(tmp_path / "root/volumes/named/_data")
    removed = run(service.containers.release("c1", remove_anonymous=True))
    assert sorted(removed) == sorted(anonymous)
    assert [v.name for v in service.list_volumes()] == ["named"]
    assert service.get("named").references == set()


def test_release_keeps_anonymous_volumes_another_container_uses(service):
    resolved = service.containers.prepare("c1", plan_mounts({"Volumes": {"/a": {}}}, {}))
    name = resolved[0].source
    service.containers.prepare("c2", plan_mounts({"HostConfig": {"VolumesFrom": ["c1"]}}, {},
                                      lambda ref: service.containers.inspect_mounts(resolved)))
    assert run(service.containers.release("c1", remove_anonymous=True)) == []
    assert service.get(name).references == {"c2"}
    assert run(service.containers.release("c2", remove_anonymous=True)) == [name]


def test_prepare_leaves_nothing_behind_on_error(service, tmp_path):
    plan = plan_mounts({"Volumes": {"/a": {}}, "HostConfig": {"Binds": ["kept:/k", "bad/name:/b"]}}, {})
    service.create("kept")
    with pytest.raises(InvalidArgument):
        service.containers.prepare("c1", plan)
    assert [v.name for v in service.list_volumes()] == ["kept"]
    assert service.get("kept").references == set()


def test_mount_bind_sources_missing(service, tmp_path):
    missing = str(tmp_path / "nope")
    strict = plan_mounts({"HostConfig": {"Mounts": [{"Type": "bind", "Source": missing, "Target": "/x"}]}}, {})
    with pytest.raises(InvalidArgument) as err:
        service.containers.prepare("c1", strict)
    assert str(err.value) == f'invalid mount config for type "bind": bind source path does not exist: {missing}'
    lenient = service.containers.prepare("c1", plan_mounts({"HostConfig": {"Binds": [f"{missing}/deep:/x"]}}, {}))
    entries = service.containers.mount("c1", lenient)
    assert entries == [{"destination": "/x", "type": "bind", "source": f"{missing}/deep", "options": ["rbind", "rprivate"]}]
    assert os.path.isdir(f"{missing}/deep")


def test_mount_and_unmount_emit_events(service, journal):
    resolved = service.containers.prepare("c1", plan_mounts({"HostConfig": {"Binds": ["v1:/data:ro"]}}, {}))
    service.containers.mount("c1", resolved)
    service.containers.unmount("c1", resolved)
    mount, unmount = [e for e in journal._recent if e.action in ("mount", "unmount")]
    assert mount.attributes == {"container": "c1", "destination": "/data", "driver": "local",
                                "propagation": "", "read/write": "false"}
    assert unmount.attributes == {"container": "c1", "driver": "local"}


def test_subpath_must_exist_in_the_volume(service):
    service.create("v1")
    plan = plan_mounts({"HostConfig": {"Mounts": [{"Type": "volume", "Source": "v1", "Target": "/x",
                                                   "VolumeOptions": {"Subpath": "sub"}}]}}, {})
    resolved = service.containers.prepare("c1", plan)
    with pytest.raises(InvalidArgument, match="cannot access path"):
        service.containers.mount("c1", resolved)
    os.mkdir(os.path.join(service.path("v1"), "sub"))
    assert service.containers.mount("c1", resolved)[0]["source"] == service.path("v1") + "/sub"
    os.rmdir(os.path.join(service.path("v1"), "sub"))
    os.symlink("/etc", os.path.join(service.path("v1"), "sub"))
    with pytest.raises(InvalidArgument, match="not within the volume"):
        service.containers.mount("c1", resolved)


def test_prune_reclaims_content_bytes(service, journal):
    resolved = service.containers.prepare("c1", plan_mounts({"Volumes": {"/a": {}}}, {}))
    anonymous = resolved[0].source
    with open(os.path.join(service.path(anonymous), "f"), "wb") as out:
        out.write(b"x" * 5000)
    service.create("named1")
    assert run(service.prune({}, (1, 44))) == ([], 0)  # in use
    run(service.containers.release("c1"))
    assert run(service.prune({}, (1, 44))) == ([anonymous], 5000)
    assert run(service.prune({"all": ["true"]}, (1, 44))) == (["named1"], 0)
    assert ("volume", "prune", "") in actions(journal)


def test_usage_for_system_df(service):
    service.create("v1")
    with open(os.path.join(service.path("v1"), "f"), "wb") as out:
        out.write(b"y" * 1234)
    os.link(os.path.join(service.path("v1"), "f"), os.path.join(service.path("v1"), "g"))
    service.containers.prepare("c1", plan_mounts({"HostConfig": {"Binds": ["v1:/d"]}}, {}))
    service.create("mem", options={"type": "tmpfs", "device": "tmpfs"})
    [entry] = run(service.usage())  # like dockerd: volumes with mount options hold no local space
    assert entry["Name"] == "v1" and entry["UsageData"] == {"Size": 1234, "RefCount": 1}


def test_state_survives_a_restart(tmp_path, journal):
    first = VolumeService(tmp_path / "root", journal)
    first.create("v1", labels={"k": "v"}, options={"type": "none", "device": "/x", "o": "bind"})
    run(first.plan_for_create(Container("c1", {}, {"Binds": ["v1:/d"]}), {}))  # references are durable
    first.containers.prepare("c2", plan_mounts({"HostConfig": {"Binds": ["v1:/d"]}}, {}))  # these are not
    with open(os.path.join(first.path("v1"), "data"), "w") as out:
        out.write("kept")
    second = VolumeService(tmp_path / "root", journal)
    volume = second.get("v1")
    assert volume.labels == {"k": "v"} and volume.options["o"] == "bind" and volume.references == {"c1"}
    assert Path(second.path("v1"), "data").read_text() == "kept"
    second.forget_containers_except(set())
    assert VolumeService(tmp_path / "root", journal).get("v1").references == set()


def test_litter_of_a_crash_is_swept_and_lost_records_adopted(tmp_path, journal):
    root = tmp_path / "root/volumes"
    VolumeService(tmp_path / "root", journal).create("v1")
    (root / ".tmp-deadbeef/_data").mkdir(parents=True)              # create interrupted
    (root / ".trash-old-0000/_data").mkdir(parents=True)            # remove interrupted
    (root / "orphan/_data").mkdir(parents=True)                      # record lost
    (root / "orphan/_data/file").write_text("precious")
    service = VolumeService(tmp_path / "root", journal)
    assert sorted(os.listdir(root)) == [".containers", "orphan", "v1"]
    assert [v.name for v in service.list_volumes()] == ["orphan", "v1"]
    assert json.loads((root / "orphan/volume.json").read_text())["Name"] == "orphan"
    assert (root / "orphan/_data/file").read_text() == "precious"
