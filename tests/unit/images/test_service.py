"""The image service end to end on a temporary data root (copy driver: no mounts needed)."""

import io
import json
import os
import tarfile

import pytest

from dockyard.errors import Conflict, InvalidArgument, NotFound
from dockyard.images import archive_load, archive_save
from dockyard.images.importer import import_rootfs
from dockyard.images.service import ImageService
from tests.support.layers import compress, entry, layer_tar

ROOTFS = layer_tar(entry("bin", "d"), entry("bin/sh", data=b"#!sh", mode=0o755),
                   entry("etc", "d"), entry("etc/passwd", data=b"root:x:0:0::/root:/bin/sh\n"))


class Events:
    def __init__(self):
        self.seen = []

    def emit(self, type_, action, actor, attributes=None):
        self.seen.append((type_, action, actor, attributes or {}))


class Users:
    """The containers using each image, and which of them run, as the container registry answers them."""

    def __init__(self):
        self.by_image: dict[str, list[str]] = {}
        self.running: set[str] = set()

    def using_image(self, image_id):
        return self.by_image.get(image_id, [])

    def is_running(self, container_id):
        return container_id in self.running


@pytest.fixture
def users():
    return Users()


@pytest.fixture
def service(tmp_path, users):
    return ImageService(str(tmp_path / "root"), Events(), driver="vfs", users=users)


def imported(service, repo="bb", tag="1", changes=('CMD ["sh"]',), data=ROOTFS):
    return import_rootfs(service, io.BytesIO(data), repo, tag, list(changes), "imported")


def save(service, names):
    out = io.BytesIO()
    archive_save.write_archive(service, archive_save.plan(service, names), out)
    return out.getvalue()


def test_import_creates_a_tagged_image_with_changes(service):
    image_id = imported(service, changes=['CMD ["sh"]', "ENV A=1 B=2", "WORKDIR /w", "EXPOSE 80",
                                          "LABEL k=v", "USER nobody", 'ENTRYPOINT ["/bin/sh","-c"]'])
    info = service.inspect("bb:1")
    assert info["Id"] == image_id and info["RepoTags"] == ["bb:1"]
    config = info["Config"]
    assert config["Cmd"] == ["sh"] and config["Env"] == ["A=1", "B=2"]
    assert (config["WorkingDir"], config["User"]) == ("/w", "nobody")
    assert config["ExposedPorts"] == {"80/tcp": {}} and config["Labels"] == {"k": "v"}
    assert info["RootFS"]["Layers"] and info["Size"] == 4 + 26
    assert info["Comment"] == "imported"
    assert ("image", "import", image_id, {}) in service.events.seen


def test_names_resolve_by_reference_id_and_prefix(service):
    image_id = imported(service)
    hex_ = image_id.split(":")[1]
    for name in ["bb:1", "docker.io/library/bb:1", image_id, hex_, hex_[:12], f"sha256:{hex_[:8]}"]:
        assert service.resolve(name).id == image_id
    # "bb" alone could match the ID's prefix (Docker searches IDs too); "bbq" is not hex
    with pytest.raises(NotFound, match="No such image: bbq:latest"):
        service.resolve("bbq")


def test_list_filters_and_dangling(service):
    first = imported(service, tag="1")
    second = imported(service, tag="1", changes=['CMD ["other"]'])
    assert first != second
    listed = {i["Id"]: i for i in service.list_images()}
    assert listed[first]["RepoTags"] == [] and listed[second]["RepoTags"] == ["bb:1"]
    assert [i["Id"] for i in service.list_images(filters={"dangling": ["true"]})] == [first]
    assert [i["Id"] for i in service.list_images(filters={"reference": ["bb"]})] == [second]
    assert [i["Id"] for i in service.list_images(filters={"reference": ["b*:1"]})] == [second]
    assert service.list_images(filters={"label": ["nope"]}) == []


def test_tag_untag_and_delete(service):
    image_id = imported(service)
    service.tag("bb:1", "localhost:5000/x", "2")
    assert service.inspect(image_id)["RepoTags"] == ["bb:1", "localhost:5000/x:2"]
    assert service.remove("bb:1") == [{"Untagged": "bb:1"}]
    result = service.remove("localhost:5000/x:2")
    assert result[0] == {"Untagged": "localhost:5000/x:2"}
    assert {"Deleted": image_id} in result
    assert service.list_images() == []
    assert service.snapshots.layers() == []


def test_remove_by_id_with_several_tags_needs_force(service):
    image_id = imported(service)
    service.tag(image_id, "other", None)
    with pytest.raises(Conflict, match="referenced in multiple repositories"):
        service.remove(image_id)
    assert {"Deleted": image_id} in service.remove(image_id, force=True)


def test_remove_conflicts_while_a_container_uses_the_image(service, users):
    image_id = imported(service)
    users.by_image[image_id] = ["d7d899f5a122aaaa"]
    users.running.add("d7d899f5a122aaaa")
    with pytest.raises(Conflict, match=r'unable to remove repository reference "bb:1" \(must force\) '
                                       r"- container d7d899f5a122 is using its referenced image"):
        service.remove("bb:1")
    assert service.remove("bb:1", force=True) == [{"Untagged": "bb:1"}]   # running: kept, untagged
    with pytest.raises(Conflict, match=r"\(cannot be forced\) - image is being used by running container d7d899f5a122"):
        service.remove(image_id, force=True)
    users.running.clear()
    with pytest.raises(Conflict, match=r"\(must be forced\) - image is being used by stopped container d7d899f5a122"):
        service.remove(image_id)
    assert {"Deleted": image_id} in service.remove(image_id, force=True)   # stopped: deleted, as dockerd


def test_prune_dangling_and_all(service):
    dangling = imported(service, tag="1")
    imported(service, tag="1", changes=[])
    result = service.prune()
    assert result["ImagesDeleted"][0] == {"Deleted": dangling}
    assert len(service.list_images()) == 1
    result = service.prune({"dangling": ["false"]})
    assert result["ImagesDeleted"][0] == {"Untagged": "bb:1"}
    assert service.list_images() == [] and result["SpaceReclaimed"] > 0


def test_history_lists_the_import(service):
    image_id = imported(service)
    history = service.history("bb:1")
    assert len(history) == 1
    assert history[0]["Id"] == image_id and history[0]["Tags"] == ["bb:1"]
    assert history[0]["Comment"] == "imported" and history[0]["Size"] == 30


def test_save_load_round_trip(service, tmp_path):
    image_id = imported(service)
    service.tag("bb:1", "bb", "2")
    archive = save(service, ["bb:1", "bb:2"])
    names = tarfile.open(fileobj=io.BytesIO(archive)).getnames()
    assert "manifest.json" in names and "repositories" in names
    manifest = json.loads(tarfile.open(fileobj=io.BytesIO(archive)).extractfile("manifest.json").read())
    assert manifest[0]["RepoTags"] == ["bb:1", "bb:2"]
    other = ImageService(str(tmp_path / "other"), Events(), driver="vfs")
    lines = archive_load.load_archive(other, io.BytesIO(compress(archive, "gzip")))
    assert lines == ["Loaded image: bb:1\n", "Loaded image: bb:2\n"]
    assert other.inspect("bb:2")["Id"] == image_id
    assert save(other, ["bb:1", "bb:2"])  # the loaded image saves again


def oci_archive(config: bytes, layer: bytes, name="docker.io/library/oci:1") -> bytes:
    from dockyard.oci.digest import sha256_digest
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                      "digest": sha256_digest(config), "size": len(config)},
                           "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                                       "digest": sha256_digest(layer), "size": len(layer)}]}).encode()
    index = json.dumps({"schemaVersion": 2, "manifests": [
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": sha256_digest(manifest),
         "size": len(manifest), "annotations": {"io.containerd.image.name": name,
                                                "org.opencontainers.image.ref.name": "1"}}]}).encode()
    files = [("oci-layout", b'{"imageLayoutVersion":"1.0.0"}'), ("index.json", index)]
    for blob in (config, layer, manifest):
        files.append((f"blobs/sha256/{sha256_digest(blob)[7:]}", blob))
    return layer_tar(entry("blobs", "d"), entry("blobs/sha256", "d"),
                     *[entry(n, data=d) for n, d in files])


def test_load_oci_layout_with_gzip_layer(service):
    from dockyard.oci.digest import sha256_digest
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Cmd": ["sh"]},
                         "rootfs": {"type": "layers", "diff_ids": [sha256_digest(ROOTFS)]}}).encode()
    lines = archive_load.load_archive(service, io.BytesIO(oci_archive(config, compress(ROOTFS, "gzip"))))
    assert lines == ["Loaded image: oci:1\n"]
    assert service.content.read(sha256_digest(ROOTFS)) == ROOTFS  # kept uncompressed for save
    assert save(service, ["oci:1"])


def test_load_with_wrong_diff_id_leaves_no_image_and_no_layer(service):
    from dockyard.oci.digest import sha256_digest
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                         "rootfs": {"type": "layers", "diff_ids": [sha256_digest(b"other")]}}).encode()
    with pytest.raises(InvalidArgument, match="digest mismatch"):
        archive_load.load_archive(service, io.BytesIO(oci_archive(config, ROOTFS)))
    assert service.list_images() == [] and service.snapshots.layers() == []
    assert list(service.content.digests()) == []


def test_load_of_truncated_archive_fails_cleanly(service):
    archive = save_fixture = None
    source = ImageService(service.data_root + "-src", Events(), driver="vfs")
    imported(source)
    archive = save(source, ["bb:1"])
    with pytest.raises(InvalidArgument):
        archive_load.load_archive(service, io.BytesIO(archive[: len(archive) // 2]))
    assert service.list_images() == [] and service.snapshots.layers() == []
    assert list(service.content.digests()) == []
    assert os.listdir(service.content.ingest_dir) == []


def test_container_adapter_resolves_and_matches_ancestors(service):
    from dockyard.images.for_containers import ImagesForContainers

    image_id = imported(service)
    layers = ImagesForContainers(service)
    image = layers.for_container("bb:1")
    assert image.id == image_id and image.config["Cmd"] == ["sh"]
    with pytest.raises(NotFound, match="No such image: nope:latest"):
        layers.for_container("nope")
    mounts = layers.prepare_container_layer("c" * 64, image_id)
    assert layers.mounts("c" * 64) == mounts
    assert layers.container_sizes("c" * 64)[1] == 30

    class Container:
        image_id = image.id
    assert layers.matches(Container, "bb:1") and not layers.matches(Container, "zz")
    layers.remove_container_layer("c" * 64)
    assert service.count() == 1
    # a create that a kill -9 cut short between the snapshot's directory and its metadata
    os.makedirs(os.path.join(service.snapshots.root, "active", "d" * 64))
    assert "d" * 64 in layers.container_layer_ids()
    layers.remove_container_layer("d" * 64)
    assert "d" * 64 not in layers.container_layer_ids()


def test_saved_archive_is_also_an_oci_layout(service, tmp_path):
    image_id = imported(service)
    archive = save(service, ["bb:1"])
    source = tarfile.open(fileobj=io.BytesIO(archive))
    index = json.loads(source.extractfile("index.json").read())
    assert index["manifests"][0]["annotations"]["io.containerd.image.name"] == "docker.io/library/bb:1"
    assert source.getmember(f"blobs/sha256/{image_id[7:]}").islnk()
    # drop the legacy manifest: the OCI half alone must load
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as stripped:
        for member in source.getmembers():
            if member.name != "manifest.json":
                stripped.addfile(member, source.extractfile(member) if member.isreg() else None)
    other = ImageService(str(tmp_path / "oci-only"), Events(), driver="vfs")
    assert archive_load.load_archive(other, io.BytesIO(out.getvalue())) == ["Loaded image: bb:1\n"]
    assert other.resolve("bb:1").id == image_id


def test_before_since_label_and_until_filters(service):
    from dockyard.oci.reference import parse

    def config(created, labels):
        return json.dumps({"architecture": "amd64", "os": "linux", "created": created,
                           "config": {"Labels": labels},
                           "rootfs": {"type": "layers", "diff_ids": []}}).encode()

    old, _ = service.create_image(config("2020-01-01T00:00:00Z", {"tier": "old"}), [parse("old:1")])
    mid, _ = service.create_image(config("2022-01-01T00:00:00.123456789Z", {"tier": "mid"}), [parse("mid:1")])
    new, _ = service.create_image(config("2024-01-01T00:00:00Z", {}), [parse("new:1")])
    ids = lambda **f: [i["Id"] for i in service.list_images(filters=f)]
    assert ids(before=["mid:1"]) == [old]
    assert ids(since=["mid:1"]) == [new]
    assert ids(label=["tier"]) == [mid, old]
    assert ids(label=["tier=old"]) == [old]
    result = service.prune({"dangling": ["false"], "until": ["2023-01-01T00:00:00Z"], "label": ["tier"]})
    deleted = [d["Deleted"] for d in result["ImagesDeleted"] if "Deleted" in d]
    assert sorted(deleted) == sorted([old, mid])
    assert ids() == [new]


def test_commit_turns_a_container_layer_into_a_child_image(service):
    from dockyard.images.importer import commit_container

    base = imported(service)
    service.prepare_container_layer("ctr1", base)
    fs = service.container_graph_driver("ctr1")["Data"]["Dir"]  # the copy driver's private tree
    os.makedirs(os.path.join(fs, "srv"))
    with open(os.path.join(fs, "srv", "new"), "wb") as f:
        f.write(b"hello")
    os.unlink(os.path.join(fs, "etc", "passwd"))
    child = commit_container(service, "ctr1", base, {"Cmd": ["sh"]}, repo="committed", tag="1",
                             author="tester", comment="added files", changes=["ENV FOO=bar"])
    info = service.inspect("committed:1")
    assert info["Id"] == child and info["Parent"] == base
    assert len(info["RootFS"]["Layers"]) == 2 and info["Config"]["Env"] == ["FOO=bar"]
    assert (info["Author"], info["Comment"]) == ("tester", "added files")
    layer = service.content.read(info["RootFS"]["Layers"][1])
    names = tarfile.open(fileobj=io.BytesIO(layer)).getnames()
    assert "srv/new" in names and "etc/.wh.passwd" in names
    history = service.history("committed:1")
    assert [h["Id"] for h in history] == [child, base] and history[0]["Size"] == 5
    with pytest.raises(Conflict, match="image has dependent child images"):
        service.remove(base, force=True)
    service.remove_container_layer("ctr1")
    result = service.remove("committed:1")
    assert {"Deleted": child} in result and {"Deleted": base} not in result  # base still tagged
    assert service.resolve("bb:1").id == base


def test_pinned_layers_survive_removal_of_the_last_image_using_them(service):
    image_id = imported(service)
    record = service.resolve(image_id)
    with service.pinned([record.top_chain, *record.diff_ids]):
        service.remove("bb:1")
        assert service.snapshots.has(record.top_chain)
        assert service.content.has(record.diff_ids[0])
    # a later image with the same layer reuses it as is
    assert imported(service, changes=[]) and service.snapshots.has(record.top_chain)
