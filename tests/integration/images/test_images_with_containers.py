"""Images as containers use them: rmi conflicts, commit, and the rootfs containers see."""

import json

import pytest

from tests.support.busybox import import_busybox

pytestmark = pytest.mark.root


def test_rmi_conflicts_while_a_container_uses_the_image_and_commit_makes_a_child(fresh_daemon):
    d = fresh_daemon.start()
    image_id = import_busybox(d)
    d.docker("create", "--name", "web", "busybox", "sh", "-c", "echo hi > /hello")
    failing = d.docker("rmi", "busybox", check=False)
    assert failing.returncode != 0
    assert 'conflict: unable to remove repository reference "busybox:latest" (must force)' in failing.stderr
    assert f"is using its referenced image {image_id[7:19]}" in failing.stderr
    d.docker("start", "-a", "web")
    committed = d.docker("commit", "-c", "ENV FOO=bar", "-m", "added files", "web", "committed:1").stdout.strip()
    info = json.loads(d.docker("image", "inspect", "committed:1").stdout)[0]
    assert info["Id"] == committed and info["Parent"] == image_id
    assert "FOO=bar" in info["Config"]["Env"] and len(info["RootFS"]["Layers"]) == 2
    out = d.docker("run", "--rm", "committed:1", "cat", "/hello").stdout
    assert out.strip() == "hi"
    d.docker("rm", "web")
    removed = d.docker("rmi", "committed:1").stdout
    assert f"Deleted: {committed}" in removed
    assert d.docker("images", "-q").stdout.split() == [image_id[7:19]]


def test_rmi_force_by_id_deletes_an_image_only_stopped_containers_use(busybox):
    """As dockerd: the image goes, the containers keep the layers they sit on and still start;
    a running container's image cannot be deleted, even by force."""
    d = busybox
    layers = d.data_root / "snapshots" / "layers"
    layers_before = set(layers.iterdir())
    d.docker("run", "--name", "rmi-src", "busybox", "sh", "-c", "echo kept > /kept")
    image_id = d.docker("commit", "rmi-src", "rmi/forced:1").stdout.strip()
    d.docker("rm", "rmi-src")
    d.docker("run", "-d", "--name", "rmi-running", "rmi/forced:1", "sleep", "60")
    try:
        refused = d.docker("rmi", "-f", image_id, check=False)
        assert "(cannot be forced) - image is being used by running container" in refused.stderr
        d.docker("rm", "-f", "rmi-running")
        d.docker("create", "--name", "rmi-stopped", "rmi/forced:1", "cat", "/kept")
        soft = d.docker("rmi", image_id, check=False)
        assert "(must be forced) - image is being used by stopped container" in soft.stderr
        removed = d.docker("rmi", "-f", image_id).stdout
        assert f"Deleted: {image_id}" in removed and "Untagged: rmi/forced:1" in removed
        assert d.docker("image", "inspect", image_id, check=False).returncode == 1
        assert d.docker("start", "-a", "rmi-stopped").stdout == "kept\n"
        assert set(layers.iterdir()) != layers_before      # the committed layer, kept for it
        d.docker("rm", "rmi-stopped")
        assert set(layers.iterdir()) == layers_before      # collected with the last container on it
    finally:
        d.docker("rm", "-f", "rmi-running", "rmi-stopped", check=False)
