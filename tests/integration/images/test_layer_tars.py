"""Loaded and pulled layers keep a tar split, not a second copy of their tar: `docker save` and
`docker push` rebuild the very bytes that came in, whatever the layer's entries did."""

import hashlib
import io
import json
import tarfile

import pytest

from tests.support.busybox import rootfs_tar
from tests.support.layers import ODD_LAYER, OTHER_LAYER, docker_archive

pytestmark = pytest.mark.root

def saved_layers(d, name: str) -> list[bytes]:
    archive = tarfile.open(fileobj=io.BytesIO(d.docker("save", name, input=b"").stdout))
    manifest = json.load(archive.extractfile("manifest.json"))
    return [archive.extractfile(path).read() for path in manifest[0]["Layers"]]


@pytest.fixture
def d(fresh_daemon):
    return fresh_daemon.start()


def test_a_loaded_layer_is_saved_byte_for_byte_without_a_stored_tar(d):
    layers = [rootfs_tar(), ODD_LAYER, OTHER_LAYER]
    d.docker("load", input=docker_archive("odd:1", layers))
    assert saved_layers(d, "odd:1") == layers
    blobs = {p.name for p in (d.data_root / "content" / "blobs" / "sha256").iterdir()}
    assert hashlib.sha256(ODD_LAYER).hexdigest() not in blobs           # the split rebuilt it
    out = d.docker("run", "--rm", "odd:1", "sh", "-c", "cat /etc/conf /var/cache/x; ls /gone 2>/dev/null; true").stdout
    assert out == "seconda file now"                                  # and no /gone: whited out


def test_the_same_layer_on_two_parents(d):
    """The layer's second place is made from the first one's split (and keeps its own)."""
    layers = [rootfs_tar(), ODD_LAYER, OTHER_LAYER, ODD_LAYER]
    d.docker("load", input=docker_archive("twice:1", layers))
    assert saved_layers(d, "twice:1") == layers
    assert d.docker("run", "--rm", "twice:1", "cat", "/srv/greeting").stdout == "hello from the second layer\n"


def test_a_layer_a_container_kept_after_its_image_went_is_loaded_whole_again(d):
    d.docker("load", input=docker_archive("kept:1", [ODD_LAYER]))
    d.docker("create", "--name", "keeper", "kept:1")
    d.docker("rmi", "-f", "kept:1")
    d.docker("load", input=docker_archive("kept:1", [ODD_LAYER]))
    assert saved_layers(d, "kept:1") == [ODD_LAYER]


def test_a_changed_layer_file_fails_the_save_instead_of_saving_other_bytes(d):
    d.docker("load", input=docker_archive("odd:1", [ODD_LAYER]))
    layer_dir = next((d.data_root / "snapshots" / "layers").iterdir())
    tool = layer_dir / "fs" / "bin" / "tool"
    tool.write_bytes(tool.read_bytes().replace(b"tool", b"TOOL"))
    failed = d.docker("save", "odd:1", check=False, input=b"")
    assert failed.returncode != 0 or len(failed.stdout) < len(ODD_LAYER)
