"""`docker volume create/ls/inspect/rm/prune` with the real docker CLI against dockyardd."""

import json
import os
import time
import uuid

import pytest

pytestmark = pytest.mark.root


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def inspect(daemon, *names) -> list[dict]:
    return json.loads(daemon.docker("volume", "inspect", *names).stdout)


def test_create_inspect_ls_rm(daemon):
    name = unique("data")
    assert daemon.docker("volume", "create", "--label", "tier=db", "--label", "team", name).stdout.strip() == name
    [body] = inspect(daemon, name)
    assert body["Name"] == name and body["Driver"] == "local" and body["Scope"] == "local"
    assert body["Labels"] == {"tier": "db", "team": ""} and body["Options"] is None
    assert body["Mountpoint"] == f"{daemon.data_root}/volumes/{name}/_data"
    assert os.path.isdir(body["Mountpoint"])
    assert body["CreatedAt"].endswith("Z")
    listed = daemon.docker("volume", "ls").stdout.splitlines()
    assert listed[0].split() == ["DRIVER", "VOLUME", "NAME"] and ["local", name] in [l.split() for l in listed]
    assert daemon.docker("volume", "create", name).stdout.strip() == name  # idempotent
    assert daemon.docker("volume", "rm", name).stdout.strip() == name
    assert not os.path.exists(body["Mountpoint"])
    gone = daemon.docker("volume", "inspect", name, check=False)
    assert gone.returncode == 1 and f"get {name}: no such volume" in gone.stderr


def test_ls_filters(daemon):
    tag = uuid.uuid4().hex[:8]
    a, b, c = unique("fa"), unique("fb"), unique("fc")
    daemon.docker("volume", "create", "--label", f"t={tag}", "--label", "color=red", a)
    daemon.docker("volume", "create", "--label", f"t={tag}", "--label", "color=blue", b)
    daemon.docker("volume", "create", "--label", f"t={tag}", c)

    def ls(*filters):
        args = [x for f in (f"label=t={tag}", *filters) for x in ("--filter", f)]
        return sorted(daemon.docker("volume", "ls", "-q", *args).stdout.split())

    assert ls() == sorted([a, b, c])
    assert ls("label=color") == sorted([a, b])
    assert ls("label=color=red") == [a]
    assert ls(f"name={b}") == [b]
    assert ls("driver=local", "dangling=true") == sorted([a, b, c])
    assert ls("dangling=false") == []
    bad = daemon.docker("volume", "ls", "--filter", "colour=red", check=False)
    assert bad.returncode == 1 and "Invalid filter 'colour'" in bad.stderr
    daemon.docker("volume", "rm", a, b, c)


@pytest.mark.parametrize("name", ["../escape", "a/b", "..", ".hidden", "x"])
def test_path_tricks_refused(daemon, name):
    before = sorted(os.listdir(daemon.data_root / "volumes"))
    result = daemon.docker("volume", "create", name, check=False)
    assert result.returncode == 1
    assert f"create {name}:" in result.stderr
    assert sorted(os.listdir(daemon.data_root / "volumes")) == before
    assert not os.path.exists(daemon.data_root / "escape")


def test_tmpfs_options_are_validated_and_kept(daemon):
    name = unique("tmp")
    daemon.docker("volume", "create", "--opt", "type=tmpfs", "--opt", "device=tmpfs", "--opt", "o=size=10m", name)
    assert inspect(daemon, name)[0]["Options"] == {"type": "tmpfs", "device": "tmpfs", "o": "size=10m"}
    bad = daemon.docker("volume", "create", "--opt", "type=tmpfs", unique("bad"), check=False)
    assert bad.returncode == 1 and 'missing required option: "device"' in bad.stderr
    daemon.docker("volume", "rm", name)


def test_rm_missing_and_force(daemon):
    result = daemon.docker("volume", "rm", "nosuchvolume", check=False)
    assert result.returncode == 1 and "get nosuchvolume: no such volume" in result.stderr
    assert daemon.docker("volume", "rm", "-f", "nosuchvolume").returncode == 0


def test_generic_inspect_finds_volumes(daemon):
    name = unique("gi")
    daemon.docker("volume", "create", name)
    assert json.loads(daemon.docker("inspect", "--type", "volume", name).stdout)[0]["Name"] == name
    daemon.docker("volume", "rm", name)


def test_prune_anonymous_by_default_all_with_a(fresh_daemon):
    daemon = fresh_daemon.start()
    named = daemon.docker("volume", "create", "named1").stdout.strip()
    unnamed = daemon.docker("volume", "create").stdout.strip()
    with open(f"{daemon.data_root}/volumes/{named}/_data/blob", "wb") as out:
        out.write(b"z" * 4096)
    first = daemon.docker("volume", "prune", "-f").stdout
    assert unnamed in first and named not in first  # unnamed volumes are anonymous
    assert daemon.docker("volume", "ls", "-q").stdout.split() == [named]
    daemon.docker("volume", "create", "--label", "keep", "kept")
    second = daemon.docker("volume", "prune", "-af", "--filter", "label!=keep").stdout
    assert named in second and "kept" not in second and "Total reclaimed space: 4.096kB" in second
    daemon.docker("volume", "rm", "kept")
    assert daemon.docker("volume", "ls", "-q").stdout.split() == []
    time.sleep(1.1)  # `--until 0s` is sent in whole seconds
    events = daemon.docker("events", "--since", "1m", "--until", "0s", "--filter", "type=volume").stdout
    assert f"volume destroy {named}" in events and "volume prune" in events


def test_api_create_body_and_status(daemon):
    client = daemon.client()
    name = unique("api")
    created = client.api.create_volume(name, driver="local", driver_opts={"type": "tmpfs", "device": "tmpfs"},
                                       labels={"k": "v"})
    assert created["Name"] == name and created["Labels"] == {"k": "v"}
    listing = client.api.volumes(filters={"label": "k=v"})
    assert listing["Warnings"] is None and name in [v["Name"] for v in listing["Volumes"]]
    client.api.remove_volume(name)
    import docker.errors
    with pytest.raises(docker.errors.NotFound):
        client.api.inspect_volume(name)
