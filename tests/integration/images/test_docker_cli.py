"""The image commands of the real docker CLI against a real dockyardd."""

import bz2
import gzip
import io
import json
import lzma
import os
import tarfile

import pytest

from tests.support.busybox import import_busybox, rootfs_tar
from tests.support.layers import docker_archive

pytestmark = pytest.mark.root


@pytest.fixture
def d(fresh_daemon):
    return fresh_daemon.start()


def test_import_with_changes_then_inspect_images_and_history(d):
    image_id = import_busybox(d, "busybox:latest")
    assert image_id.startswith("sha256:")
    info = json.loads(d.docker("image", "inspect", "busybox").stdout)[0]
    assert info["Id"] == image_id and info["Config"]["Cmd"] == ["sh"]
    assert info["RepoTags"] == ["busybox:latest"] and info["RootFS"]["Type"] == "layers"
    assert info["Size"] > 1_900_000
    table = d.docker("images").stdout
    assert "busybox" in table and image_id[7:19] in table
    assert d.docker("images", "-q").stdout.split() == [image_id[7:19]]
    assert d.docker("images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}").stdout.strip() == \
        f"busybox:latest {image_id[7:19]}"
    assert d.docker("history", "busybox").stdout.count("\n") == 2
    assert "Imported from -" in d.docker("history", "--no-trunc", "busybox").stdout


def test_import_with_message_and_several_changes(d):
    d.docker("import", "-m", "hello", "-c", "ENV A=1", "-c", "WORKDIR /srv", "-c", "EXPOSE 80",
             "-c", 'ENTRYPOINT ["/bin/sh"]', "-c", "USER nobody", "-c", "LABEL k=v",
             "-", "custom:1", input=rootfs_tar())
    config = json.loads(d.docker("image", "inspect", "custom:1").stdout)[0]["Config"]
    assert config["Env"] == ["A=1"] and config["WorkingDir"] == "/srv"
    assert config["Entrypoint"] == ["/bin/sh"] and config["User"] == "nobody"
    assert config["ExposedPorts"] == {"80/tcp": {}} and config["Labels"] == {"k": "v"}


def test_import_reads_every_compression_dockerd_reads(d):
    """dockerd 20.10 imports a bzip2 (and gzip, xz, zstd) tar; the layer is the same tar."""
    plain = d.docker("import", "-", "plain:1", input=rootfs_tar()).stdout.strip()
    for name, compress in (("bzip2", bz2.compress), ("gzip", gzip.compress), ("xz", lzma.compress)):
        imported = d.docker("import", "-", f"{name}:1", input=compress(rootfs_tar())).stdout.strip()
        layers = [json.loads(d.docker("image", "inspect", ref).stdout)[0]["RootFS"]["Layers"]
                  for ref in (plain, imported)]
        assert layers[0] == layers[1], name


def test_tag_filter_rmi_and_prune(d):
    image_id = import_busybox(d)
    d.docker("tag", "busybox", "127.0.0.1:5000/bb:1")
    listed = d.docker("images", "--format", "{{.Repository}}:{{.Tag}}").stdout.split()
    assert sorted(listed) == ["127.0.0.1:5000/bb:1", "busybox:latest"]
    assert d.docker("images", "--filter", "reference=busybox", "-q").stdout.split() == [image_id[7:19]]
    assert d.docker("images", "--filter", "dangling=true", "-q").stdout.strip() == ""
    out = d.docker("rmi", "127.0.0.1:5000/bb:1").stdout
    assert out.strip() == "Untagged: 127.0.0.1:5000/bb:1"
    import_busybox(d, "other:1")  # same content: same ID, second tag
    d.docker("import", "-c", 'CMD ["true"]', "-", "busybox:latest", input=rootfs_tar())
    failing = d.docker("rmi", "nosuch:tag", check=False)
    assert failing.returncode != 0 and "No such image: nosuch:tag" in failing.stderr
    d.docker("rmi", "other:1")
    assert image_id[7:19] in d.docker("images", "--filter", "dangling=true", "-q").stdout
    pruned = d.docker("image", "prune", "-f").stdout
    assert f"deleted: {image_id}" in pruned
    assert d.docker("images", "-q").stdout.strip() != ""


def test_save_load_round_trip_between_daemons(d, tmp_path, session_base):
    image_id = import_busybox(d)
    d.docker("tag", "busybox", "bb:2")
    archive = tmp_path / "bb.tar"
    d.docker("save", "-o", str(archive), "busybox", "bb:2")
    names = tarfile.open(archive).getnames()
    assert {"manifest.json", "repositories"} <= set(names)
    d.docker("rmi", "busybox", "bb:2")
    assert d.docker("images", "-q").stdout.strip() == ""
    out = d.docker("load", "-i", str(archive)).stdout
    assert "Loaded image: busybox:latest" in out and "Loaded image: bb:2" in out
    assert json.loads(d.docker("image", "inspect", "bb:2").stdout)[0]["Id"] == image_id


def test_load_of_compressed_archive_from_stdin(d, tmp_path):
    import gzip
    import_busybox(d)
    archive = d.docker("save", "busybox", input=b"").stdout
    d.docker("rmi", "busybox")
    out = d.docker("load", input=gzip.compress(archive, 1)).stdout
    assert b"Loaded image: busybox:latest" in out


def hostile_archive(layer: bytes) -> bytes:
    return docker_archive("evil:1", [layer])


@pytest.mark.parametrize("kind", ["dotdot", "symlink", "hardlink", "truncated"])
def test_hostile_archives_are_rejected_and_leave_nothing(d, kind, tmp_path):
    from tests.support.layers import entry, layer_tar
    victim = tmp_path / "victim"
    victim.mkdir()
    layers = {
        "dotdot": layer_tar(entry("../../../../../../" + str(victim) + "/pwned", data=b"x")),
        "symlink": layer_tar(entry("s", "l", link=str(victim)), entry("s/pwned", data=b"x")),
        "hardlink": layer_tar(entry("h", "h", link=str(victim / "x"))),
    }
    if kind == "truncated":
        archive = hostile_archive(layer_tar(entry("big", data=os.urandom(100_000))))[:60_000]
    else:
        archive = hostile_archive(layers[kind])
    result = d.docker("load", input=archive, check=False)
    combined = (result.stdout + result.stderr).decode()
    if kind == "symlink":
        # neutralised: the write lands inside the layer, never in the victim directory
        assert os.listdir(victim) == []
        return
    assert result.returncode != 0, combined
    assert os.listdir(victim) == []
    assert d.docker("images", "-q", "-a").stdout.strip() == ""
    layers_dir = d.data_root / "snapshots" / "layers"
    assert not layers_dir.exists() or os.listdir(layers_dir) == []
