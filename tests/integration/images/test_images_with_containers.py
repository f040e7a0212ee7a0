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
