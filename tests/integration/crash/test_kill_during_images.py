"""kill -9 of the daemon in the middle of a pull and of a load: the next daemon collects the
verified blobs and unpacked layers no image refers to, and the image comes whole next time."""

import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from bench.images import random_layers_image, save_archive
from bench.registry import Registry
from tests.support.daemon import Daemon
from tests.support.leftovers import left_after_stop, left_behind

pytestmark = pytest.mark.root


@pytest.fixture(scope="module")
def big_image():
    """Four layers of 16 MiB of random data: long enough to kill the daemon halfway."""
    reason = Registry.missing()
    if reason:
        pytest.skip(reason)
    base = Path(tempfile.mkdtemp(prefix="dockyard-crash-images-", dir="/tmp"))
    image = random_layers_image(base / "image", layers=4, layer_mib=16)
    archive = save_archive(image, "big:1", base / "big.tar")
    registry = Registry(base / "registry").start()
    registry.upload(image, "big")
    yield archive, registry
    registry.remove()
    shutil.rmtree(base, ignore_errors=True)


def _store(d: Daemon) -> dict:
    """Blobs, layers and in-progress files on disk, and what the images refer to."""
    images = [json.loads(d.docker("image", "inspect", i).stdout)[0] for i in d.docker("images", "-q").stdout.split()]
    referenced = {i["Id"] for i in images} | {layer for i in images for layer in i["RootFS"]["Layers"]}
    snapshots = d.data_root / "snapshots"
    layer_dirs = list((snapshots / "layers").iterdir())
    split = {json.loads((p / "meta.json").read_text())["diff_id"] for p in layer_dirs if (p / "tar-split").exists()}
    blobs = {"sha256:" + p.name for p in (d.data_root / "content" / "blobs" / "sha256").iterdir()}
    return {"blobs": blobs, "tars": blobs | split,      # a layer's tar: a blob, or its tar split
            "referenced": referenced, "layers": len(layer_dirs),
            "image layers": len({layer for i in images for layer in i["RootFS"]["Layers"]}),
            "in progress": [*(d.data_root / "content" / "ingest").iterdir(), *(snapshots / "staging").iterdir()]}


def _a_layer_unpacked(staging: Path) -> bool:
    """A layer is staged whole once its tar split is complete (its header names the size)."""
    for layer in staging.glob("*/tar-split") if staging.exists() else ():
        try:
            if layer.read_bytes()[:8].strip(b"\0"):
                return True
        except FileNotFoundError:
            continue
    return False


@pytest.mark.parametrize("operation", ["pull", "load"])
def test_kill_9_halfway_through_leaves_no_unreferenced_content(crash_busybox, big_image, operation):
    d = crash_busybox
    archive, registry = big_image
    argv, name = ((["pull", f"{registry.address}/big"], f"{registry.address}/big")
                  if operation == "pull" else (["load", "-i", str(archive)], "big:1"))
    staging = d.data_root / "snapshots" / "staging"
    client = subprocess.Popen(["docker", *argv], env=d.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not _a_layer_unpacked(staging) and time.monotonic() < deadline:
        time.sleep(0.002)
    d.kill()                              # one layer unpacked, the others on their way
    client.wait(60)
    tags = d.data_root / "images" / "tags.json"
    assert "/big:" not in (tags.read_text() if tags.exists() else ""), "the kill came after the end"

    d.start()
    assert d.docker("images", "-q", name).stdout == ""
    after = _store(d)
    assert after["blobs"] <= after["referenced"] == after["tars"] and after["in progress"] == []
    assert after["layers"] == after["image layers"]
    client = d.client()
    assert client.df()["LayersSize"] == sum(i["Size"] for i in client.api.images())   # busybox alone

    d.docker(*argv)                       # and the image comes whole the next time
    layers = json.loads(d.docker("image", "inspect", "-f", "{{json .RootFS.Layers}}", name).stdout)
    whole = _store(d)
    assert len(layers) == 4 and whole["blobs"] <= whole["referenced"] == whole["tars"]
    assert whole["layers"] == 5
    assert left_behind(d) == {}
    assert d.stop() == 0, d.log()
    assert left_after_stop(d) == {}
