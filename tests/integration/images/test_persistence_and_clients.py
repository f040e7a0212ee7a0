"""Images survive a daemon restart; docker-py and `docker events` see what the CLI sees."""

import json
import time

import pytest

from tests.support.busybox import import_busybox

pytestmark = pytest.mark.root


def test_images_and_tags_survive_a_restart_and_a_crash(fresh_daemon):
    d = fresh_daemon.start()
    image_id = import_busybox(d)
    d.docker("tag", "busybox", "keep:1")
    d.stop()
    d.start()
    assert json.loads(d.docker("image", "inspect", "keep:1").stdout)[0]["Id"] == image_id
    d.docker("rmi", "keep:1")
    d.kill()
    d.start()
    tags = d.docker("images", "--format", "{{.Repository}}:{{.Tag}}").stdout.split()
    assert tags == ["busybox:latest"]


def test_docker_py_lists_inspects_saves_and_loads(fresh_daemon):
    d = fresh_daemon.start()
    image_id = import_busybox(d)
    client = d.client()
    images = client.images.list()
    assert [i.id for i in images] == [image_id] and images[0].tags == ["busybox:latest"]
    image = client.images.get("busybox")
    assert image.attrs["Config"]["Cmd"] == ["sh"]
    data = b"".join(image.save(named=True))
    client.images.remove("busybox")
    assert client.images.list() == []
    loaded = client.images.load(data)
    assert [i.id for i in loaded] == [image_id]
    assert image.tag("py", "1")
    assert sorted(client.images.get(image_id).tags) == ["busybox:latest", "py:1"]
    client.close()


def test_image_events_are_reported(fresh_daemon):
    d = fresh_daemon.start()
    image_id = import_busybox(d)
    d.docker("tag", "busybox", "ev:1")
    d.docker("rmi", "ev:1")
    d.docker("save", "-o", str(d.base / "ev.tar"), "busybox")
    d.docker("rmi", "busybox")
    d.docker("load", "-i", str(d.base / "ev.tar"))
    until = str(int(time.time()) + 2)
    out = d.docker("events", "--since", "0", "--until", until, "--filter", "type=image",
                   "--format", "{{.Action}} {{.Actor.Attributes.name}}").stdout.splitlines()
    for expected in ["import ", "tag busybox:latest", "tag ev:1", "untag ev:1", "save ",
                     "untag busybox:latest", "delete ", "load "]:
        assert any(line.startswith(expected.strip()) and expected.split(" ", 1)[1] in line
                   for line in out), (expected, out)


def test_pull_from_an_unreachable_registry_says_why(fresh_daemon):
    d = fresh_daemon.start()
    result = d.docker("pull", "127.0.0.1:9/busybox", check=False)   # nothing listens on port 9
    assert result.returncode != 0
    assert 'Get "http://127.0.0.1:9/v2/": ' in result.stderr and "Connection refused" in result.stderr


def test_import_from_url_is_refused_clearly(fresh_daemon):
    d = fresh_daemon.start()
    result = d.docker("import", "http://127.0.0.1:9/rootfs.tar", check=False)
    assert result.returncode != 0 and "importing from a URL is not supported" in result.stderr
