"""docker push / pull against a real registry, driven by the real docker CLI."""

import json
import os
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support.busybox import rootfs_tar
from tests.support.layers import ODD_LAYER, docker_archive
from tests.support.registry import Registry

pytestmark = pytest.mark.root


def _push(d, registry, name="app:1", repo="team/app:1"):
    ref = f"{registry.address}/{repo}"
    d.docker("tag", name, ref)
    return ref, d.docker("push", ref).stdout


def test_push_remove_pull_back_and_run(d, registry):
    ref, pushed = _push(d, registry)
    assert pushed.startswith(f"The push refers to repository [{registry.address}/team/app]\n")
    assert pushed.count(": Pushed\n") == 2
    digest = pushed.strip().splitlines()[-1].split("digest: ")[1].split()[0]
    assert f"1: digest: {digest} size: " in pushed
    assert json.loads(d.docker("image", "inspect", ref).stdout)[0]["RepoDigests"] == [
        f"{registry.address}/team/app@{digest}"]

    d.docker("rmi", ref, "app:1", "busybox")
    assert d.docker("images", "-q").stdout == ""
    pulled = d.docker("pull", ref).stdout
    assert pulled.startswith("1: Pulling from team/app\n")
    assert pulled.count(": Pull complete\n") == 2
    assert f"Digest: {digest}\nStatus: Downloaded newer image for {ref}\n{ref}\n" in pulled
    assert d.docker("run", "--rm", ref).stdout == "pulled-back\n"
    again = d.docker("pull", ref).stdout
    assert f"Status: Image is up to date for {ref}" in again and "Pull complete" not in again


def test_pull_by_digest_and_layers_already_present(d, registry):
    ref, pushed = _push(d, registry, repo="bydigest:1")
    digest = pushed.strip().splitlines()[-1].split("digest: ")[1].split()[0]
    d.docker("rmi", ref, "app:1")
    by_digest = f"{registry.address}/bydigest@{digest}"
    pulled = d.docker("pull", by_digest).stdout
    assert pulled.startswith(f"{digest}: Pulling from bydigest\n")
    assert pulled.count(": Already exists\n") == 1      # busybox holds the base layer
    assert pulled.count(": Pull complete\n") == 1
    assert f"Status: Downloaded newer image for {by_digest}" in pulled
    d.docker("tag", by_digest, "app:1")
    assert f"Image is up to date for {by_digest}" in d.docker("pull", by_digest).stdout
    images = d.docker("images", "--digests", "--format", "{{.Repository}} {{.Digest}}").stdout
    assert f"{registry.address}/bydigest {digest}" in images
    assert d.docker("run", "--rm", by_digest).stdout == "pulled-back\n"


def test_second_push_finds_layers_already_there(d, registry):
    ref, _ = _push(d, registry, repo="twice:1")
    again = d.docker("push", ref).stdout
    assert again.count(": Layer already exists\n") == 2 and "Pushed" not in again
    sibling = f"{registry.address}/sibling:1"
    d.docker("tag", "app:1", sibling)
    mounted = d.docker("push", sibling).stdout
    assert mounted.count(": Mounted from twice\n") == 2


def test_pull_of_a_missing_tag_or_image(d, registry):
    missing = d.docker("pull", f"{registry.address}/nothing:here", check=False)
    assert missing.returncode == 1
    assert missing.stderr == (f"Error response from daemon: manifest for {registry.address}/nothing:here "
                              "not found: manifest unknown: manifest unknown\n")
    nothing_local = d.docker("push", f"{registry.address}/absent:1", check=False)
    assert nothing_local.returncode == 1
    assert "An image does not exist locally with the tag: " + f"{registry.address}/absent" in nothing_local.stderr


def test_failed_pull_leaves_nothing_behind(d, registry):
    ref, pushed = _push(d, registry, repo="corrupt:1")
    top_layer = json.loads(d.docker("image", "inspect", ref).stdout)[0]["RootFS"]["Layers"][-1]
    d.docker("rmi", ref, "app:1")
    layers_before = sorted(os.listdir(d.data_root / "snapshots" / "layers"))
    _corrupt_top_layer_blob(registry, "corrupt", "1")
    failed = d.docker("pull", ref, check=False)
    assert failed.returncode == 1
    assert "filesystem layer verification failed for digest sha256:" in failed.stderr
    assert d.docker("images", "-q").stdout.split() == \
        d.docker("images", "-q", "busybox").stdout.split()
    assert sorted(os.listdir(d.data_root / "snapshots" / "layers")) == layers_before
    assert not (d.data_root / "content" / "blobs" / "sha256" / top_layer[7:]).exists()
    assert os.listdir(d.data_root / "content" / "ingest") == []


def _corrupt_top_layer_blob(registry, repository: str, tag: str) -> None:
    """Flip a byte in the middle of the top layer's blob in the registry's storage."""
    request = urllib.request.Request(f"http://{registry.address}/v2/{repository}/manifests/{tag}",
                                     headers={"Accept": "application/vnd.docker.distribution.manifest.v2+json"})
    with urllib.request.urlopen(request) as response:
        hex_ = json.load(response)["layers"][-1]["digest"][len("sha256:"):]
    blob = registry.base / "storage" / "docker" / "registry" / "v2" / "blobs" / "sha256" / hex_[:2] / hex_ / "data"
    data = bytearray(blob.read_bytes())
    data[len(data) // 2] ^= 0xFF
    blob.write_bytes(bytes(data))


def test_pull_and_push_events(d, registry):
    ref, _ = _push(d, registry, repo="events:1")
    d.docker("pull", ref)
    until = str(int(time.time()) + 2)
    events = d.docker("events", "--since", "0", "--until", until, "--filter", "type=image",
                      "--format", "{{.Action}} {{.Actor.ID}}").stdout.splitlines()
    assert f"push {ref}" in events and f"pull {ref}" in events


def test_pull_every_tag_of_a_repository(d, registry):
    for tag in ("1", "2"):
        _push(d, registry, repo=f"alltags:{tag}")
        d.docker("rmi", f"{registry.address}/alltags:{tag}")
    pulled = d.docker("pull", "-a", f"{registry.address}/alltags").stdout
    assert "1: Pulling from alltags\n" in pulled and "2: Pulling from alltags\n" in pulled
    assert pulled.count("Digest: sha256:") == 2
    assert f"Status: Downloaded newer image for {registry.address}/alltags\n" in pulled
    tags = d.docker("images", "--format", "{{.Tag}}", f"{registry.address}/alltags").stdout.split()
    assert sorted(tags) == ["1", "2"]


def test_loopback_registry_over_tls_with_a_self_signed_certificate(d):
    """127.0.0.0/8 is insecure: HTTPS without certificate checks first, as dockerd."""
    tls_registry = Registry(Path(tempfile.mkdtemp(prefix="dockyard-tls-", dir="/tmp")), tls=True).start()
    try:
        ref, pushed = _push(d, tls_registry, repo="secure:1")
        assert pushed.count(": Pushed\n") == 2
        d.docker("rmi", ref, "app:1")
        assert "Downloaded newer image" in d.docker("pull", ref).stdout
        assert d.docker("run", "--rm", ref).stdout == "pulled-back\n"
    finally:
        tls_registry.remove()


def test_manifest_list_is_narrowed_to_the_platform(d, registry):
    _, app_push = _push(d, registry, repo="multi:app")
    _, box_push = _push(d, registry, name="busybox", repo="multi:box")
    app_digest, box_digest = (p.strip().splitlines()[-1].split("digest: ")[1].split()[0] for p in (app_push, box_push))
    index = {"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
             "manifests": [_entry(registry, "multi", box_digest, "arm64"),
                           _entry(registry, "multi", app_digest, "amd64")]}
    request = urllib.request.Request(
        f"http://{registry.address}/v2/multi/manifests/1", data=json.dumps(index).encode(), method="PUT",
        headers={"Content-Type": index["mediaType"]})
    urllib.request.urlopen(request).close()
    ref = f"{registry.address}/multi:1"
    assert "Downloaded newer image" in d.docker("pull", ref).stdout
    assert d.docker("run", "--rm", ref).stdout == "pulled-back\n"        # the amd64 entry: app:1
    d.docker("pull", "--platform", "linux/arm64", ref)
    assert d.docker("image", "inspect", "--format", "{{.Id}}", ref).stdout == \
        d.docker("image", "inspect", "--format", "{{.Id}}", "busybox").stdout
    missing = d.docker("pull", "--platform", "linux/s390x", ref, check=False)
    assert "no matching manifest for linux/s390x in the manifest list entries" in missing.stderr


def _entry(registry, repository: str, digest: str, arch: str) -> dict:
    request = urllib.request.Request(f"http://{registry.address}/v2/{repository}/manifests/{digest}", method="HEAD",
                                     headers={"Accept": "application/vnd.docker.distribution.manifest.v2+json"})
    with urllib.request.urlopen(request) as response:
        size = int(response.headers["Content-Length"])
    return {"mediaType": "application/vnd.docker.distribution.manifest.v2+json", "digest": digest, "size": size,
            "platform": {"os": "linux", "architecture": arch}}


def test_insecure_registry_flag_shows_in_docker_info(fresh_daemon):
    fresh_daemon.extra_args = ("--insecure-registry", "myreg.test:5000")
    info = fresh_daemon.start().docker("info").stdout
    listed = info.split("Insecure Registries:\n", 1)[1].splitlines()
    assert [line.strip() for line in listed[:2]] == ["myreg.test:5000", "127.0.0.0/8"]


def test_push_every_tag_of_a_repository(d, registry):
    repo = f"{registry.address}/tags"
    for tag in ("a", "b"):
        d.docker("tag", "app:1", f"{repo}:{tag}")
    pushed = d.docker("push", "--all-tags", repo).stdout
    assert pushed.count(f"The push refers to repository [{repo}]") == 1
    assert "a: digest: sha256:" in pushed and "b: digest: sha256:" in pushed
    assert pushed.count(": Pushed\n") == 2 and pushed.count(": Layer already exists\n") == 2


def test_a_loaded_image_is_pushed_from_its_tar_split_and_pulled_back(d, registry):
    """Loaded layers keep no tar of their own: the push rebuilds it (the registry checks the
    compressed digest, the pull the diff ID)."""
    d.docker("load", input=docker_archive("odd:1", [rootfs_tar(), ODD_LAYER]))
    layers = json.loads(d.docker("image", "inspect", "odd:1").stdout)[0]["RootFS"]["Layers"]
    ref, pushed = _push(d, registry, "odd:1", "team/odd:1")
    assert pushed.count(": Pushed\n") == 2
    d.docker("rmi", "odd:1", ref)
    d.docker("pull", ref)
    assert json.loads(d.docker("image", "inspect", ref).stdout)[0]["RootFS"]["Layers"] == layers
    assert d.docker("run", "--rm", ref, "cat", "/etc/conf").stdout == "second"
