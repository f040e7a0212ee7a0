"""Planning a container's mounts from a create body and an image config (assert on plans)."""

import pytest

from dockyard.errors import InvalidArgument, NotFound
from dockyard.mounts.model import PlannedMount, mounts_from_json, mounts_to_json
from dockyard.mounts.plan import plan_mounts


def body(**host) -> dict:
    return {"Image": "busybox", "HostConfig": host}


def by_destination(plan: list[PlannedMount]) -> dict[str, PlannedMount]:
    return {m.destination: m for m in plan}


def test_nothing_to_mount():
    assert plan_mounts(body(), {}) == []
    assert plan_mounts({"HostConfig": None}, None) == []


def test_image_volumes_become_anonymous_volumes_with_copy_up():
    plan = plan_mounts(body(), {"Volumes": {"/var/lib/data": {}, "/logs/": {}}})
    assert [m.destination for m in plan] == ["/logs", "/var/lib/data"]
    assert all(m.type == "volume" and m.anonymous and m.copy_data and m.mode == "" for m in plan)


def test_cli_anonymous_volume_arrives_in_config_volumes():
    plan = plan_mounts({"Volumes": {"/data": {}}, "HostConfig": {}}, {})
    assert plan == [PlannedMount(type="volume", destination="/data", copy_data=True, anonymous=True, driver="local")]


def test_explicit_mounts_cover_declared_volumes():
    plan = by_destination(plan_mounts(body(Binds=["named:/data"]), {"Volumes": {"/data": {}}}))
    assert list(plan) == ["/data"] and plan["/data"].source == "named"


def test_tmpfs_covers_declared_volume_and_is_not_listed():
    plan = plan_mounts(body(Tmpfs={"/scratch": "size=64m,exec"}), {"Volumes": {"/scratch": {}}})
    assert plan == [PlannedMount(type="tmpfs", destination="/scratch", tmpfs_options=("size=64m", "exec"), listed=False)]


def test_parents_before_children():
    plan = plan_mounts(body(Binds=["/h/a:/a/b/c", "v1:/a", "/h/b:/a/b"]), {})
    assert [m.destination for m in plan] == ["/a", "/a/b", "/a/b/c"]


@pytest.mark.parametrize("host, shown", [
    ({"Binds": ["v1:/data", "v2:/data"]}, "/data"),
    ({"Binds": ["v1:/data"], "Tmpfs": {"/data": ""}}, "/data"),
    ({"Binds": ["v1:/data"], "Mounts": [{"Type": "volume", "Target": "/data/"}]}, "/data/"),
    ({"Mounts": [{"Type": "tmpfs", "Target": "/t"}, {"Type": "volume", "Source": "x1", "Target": "/t"}]}, "/t"),
])
def test_duplicate_mount_points(host, shown):
    with pytest.raises(InvalidArgument) as err:
        plan_mounts(body(**host), {})
    assert str(err.value) == f"Duplicate mount point: {shown}"


def test_volumes_from_inherits_and_is_replaced_by_explicit_mounts():
    other = [
        {"Type": "volume", "Name": "shared", "Source": "/x/shared/_data", "Destination": "/data",
         "Driver": "local", "Mode": "z", "RW": True, "Propagation": ""},
        {"Type": "bind", "Source": "/srv", "Destination": "/srv", "Mode": "", "RW": True, "Propagation": "rslave"},
        {"Type": "volume", "Name": "logs", "Source": "/x/logs/_data", "Destination": "/logs",
         "Driver": "local", "Mode": "", "RW": True, "Propagation": ""},
    ]
    asked = []

    def lookup(ref):
        asked.append(ref)
        return other

    plan = by_destination(plan_mounts(body(VolumesFrom=["web:ro"], Binds=["mine:/logs"]), {}, lookup))
    assert asked == ["web"]
    assert plan["/data"] == PlannedMount(type="volume", destination="/data", source="shared", read_only=True,
                                         driver="local", inherited=True)
    assert plan["/srv"].type == "bind" and plan["/srv"].propagation == "rslave" and plan["/srv"].read_only
    assert plan["/logs"].source == "mine" and not plan["/logs"].inherited


def test_volumes_from_unknown_container():
    def lookup(ref):
        raise NotFound(f"No such container: {ref}")
    with pytest.raises(InvalidArgument, match="No such container: ghost"):  # 400, as dockerd
        plan_mounts(body(VolumesFrom=["ghost"]), {}, lookup)
    with pytest.raises(InvalidArgument, match="No such container: ghost"):
        plan_mounts(body(VolumesFrom=["ghost"]), {}, None)


def test_the_volume_driver_goes_to_the_volumes_the_container_creates():
    """dockerd accepts --volume-driver on a container without volumes; the volume service
    refuses a driver it does not have when it comes to create one."""
    assert plan_mounts(body(VolumeDriver="flocker", Binds=["/host:/d"]), {})[0].type == "bind"
    named, anonymous = plan_mounts(body(VolumeDriver="flocker", Binds=["v1:/d"]), {"Volumes": {"/e": {}}})
    assert (named.driver, anonymous.driver) == ("flocker", "flocker")


def test_bad_tmpfs_refused_at_create():
    with pytest.raises(InvalidArgument, match="invalid tmpfs option"):
        plan_mounts(body(Tmpfs={"/t": "size=1m,bogus"}), {})
    with pytest.raises(InvalidArgument, match="must be absolute"):
        plan_mounts(body(Tmpfs={"t": ""}), {})


def test_relative_declared_volume_refused():
    with pytest.raises(InvalidArgument, match="'data' mount path must be absolute"):
        plan_mounts({"Volumes": {"data": {}}}, {})


def test_plan_survives_json():
    plan = plan_mounts(body(Binds=["v1:/a:ro", "/h:/b:rshared"], Tmpfs={"/t": "size=1m"},
                            Mounts=[{"Type": "volume", "Source": "v2", "Target": "/c",
                                     "VolumeOptions": {"Labels": {"k": "v"}, "Subpath": "s"}}]), {"Volumes": {"/d": {}}})
    assert mounts_from_json(mounts_to_json(plan)) == plan


def test_full_cli_body():
    """The body `docker run -v myvol:/data -v /srv:/srv:ro --mount type=tmpfs,dst=/t,tmpfs-size=1m --tmpfs /run busybox` sends."""
    create = {
        "Image": "busybox", "Volumes": {}, "Cmd": ["true"],
        "HostConfig": {"Binds": ["myvol:/data", "/srv:/srv:ro"], "Tmpfs": {"/run": ""},
                       "Mounts": [{"Type": "tmpfs", "Target": "/t", "TmpfsOptions": {"SizeBytes": 1048576}}],
                       "VolumeDriver": "", "VolumesFrom": None, "NetworkMode": "default"},
    }
    plan = by_destination(plan_mounts(create, {"Volumes": None}))
    assert sorted(plan) == ["/data", "/run", "/srv", "/t"]
    assert plan["/srv"].read_only and plan["/srv"].mode == "ro"
    assert plan["/t"].tmpfs_options == ("size=1m",) and plan["/t"].listed
    assert not plan["/run"].listed
