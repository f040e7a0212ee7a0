"""Resolved mounts as OCI runtime-spec entries and as container inspect `Mounts`."""

from dockyard.mounts.oci import inspect_mounts, oci_mounts
from dockyard.mounts.plan import plan_mounts


def volume_path(name: str) -> str:
    return f"/var/lib/dockyard/volumes/{name}/_data"


def resolved(host: dict, image: dict | None = None):
    from dataclasses import replace
    plan = plan_mounts({"HostConfig": host}, image or {})
    return [replace(m, source=m.source or "anon") if m.type == "volume" else m for m in plan]


def test_oci_entries():
    mounts = resolved({"Binds": ["myvol:/data:ro", "/srv:/srv:rshared"], "Tmpfs": {"/run": "size=1m"},
                       "Mounts": [{"Type": "volume", "Source": "v2", "Target": "/sub",
                                   "VolumeOptions": {"Subpath": "a/b"}},
                                  {"Type": "bind", "Source": "/h", "Target": "/nr", "BindOptions": {"NonRecursive": True}}]})
    assert oci_mounts(mounts, volume_path) == [
        {"destination": "/data", "type": "bind", "source": volume_path("myvol"), "options": ["rbind", "ro"]},
        {"destination": "/nr", "type": "bind", "source": "/h", "options": ["bind", "rprivate"]},
        {"destination": "/run", "type": "tmpfs", "source": "tmpfs",
         "options": ["noexec", "nosuid", "nodev", "rprivate", "size=1m"]},
        {"destination": "/srv", "type": "bind", "source": "/srv", "options": ["rbind", "rshared"]},
        {"destination": "/sub", "type": "bind", "source": volume_path("v2") + "/a/b", "options": ["rbind"]},
    ]


def test_inspect_mounts_match_dockerd():
    mounts = resolved({"Binds": ["myvol:/data", "/tmp:/t:ro"], "Tmpfs": {"/run": ""},
                       "Mounts": [{"Type": "tmpfs", "Target": "/scratch"}]}, {"Volumes": {"/anon": {}}})
    assert inspect_mounts(mounts, volume_path) == [
        {"Type": "volume", "Name": "anon", "Source": volume_path("anon"), "Destination": "/anon",
         "Driver": "local", "Mode": "", "RW": True, "Propagation": ""},
        {"Type": "volume", "Name": "myvol", "Source": volume_path("myvol"), "Destination": "/data",
         "Driver": "local", "Mode": "z", "RW": True, "Propagation": ""},
        {"Type": "tmpfs", "Source": "", "Destination": "/scratch", "Mode": "", "RW": True, "Propagation": ""},
        {"Type": "bind", "Source": "/tmp", "Destination": "/t", "Mode": "ro", "RW": False, "Propagation": "rprivate"},
    ]
