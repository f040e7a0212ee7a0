"""Our own `dockyard` CLI's image commands against a real dockyardd."""

import json

import pytest

from tests.support.busybox import rootfs_tar

pytestmark = pytest.mark.root


def test_import_images_inspect_history_tag_save_load_rmi_prune(fresh_daemon, tmp_path):
    d = fresh_daemon.start()
    rootfs = tmp_path / "rootfs.tar"
    rootfs.write_bytes(rootfs_tar())
    image_id = d.dockyard("import", "-c", 'CMD ["sh"]', str(rootfs), "busybox").stdout.strip()
    assert image_id.startswith("sha256:")
    table = d.dockyard("images").stdout.splitlines()
    assert table[0].split() == ["REPOSITORY", "TAG", "IMAGE", "ID", "CREATED", "SIZE"]
    assert table[1].split()[:3] == ["busybox", "latest", image_id[7:19]]
    assert d.dockyard("images", "-q").stdout.split() == [image_id[7:19]]
    assert d.dockyard("image", "inspect", "-f", "{{.Config.Cmd}}", "busybox").stdout.strip() in ("[sh]", '["sh"]')
    assert json.loads(d.dockyard("image", "inspect", "busybox").stdout)[0]["Id"] == image_id
    assert "Imported from -" in d.dockyard("history", "busybox").stdout
    d.dockyard("tag", "busybox", "127.0.0.1:5000/bb:1")
    assert "127.0.0.1:5000/bb" in d.dockyard("images").stdout
    archive = tmp_path / "saved.tar"
    d.dockyard("save", "-o", str(archive), "busybox", "127.0.0.1:5000/bb:1")
    out = d.dockyard("rmi", "busybox", "127.0.0.1:5000/bb:1").stdout
    assert "Untagged: busybox:latest" in out and f"Deleted: {image_id}" in out
    loaded = d.dockyard("load", "-i", str(archive)).stdout
    assert "Loaded image: busybox:latest" in loaded and "Loaded image: 127.0.0.1:5000/bb:1" in loaded
    d.dockyard("rmi", "127.0.0.1:5000/bb:1")
    d.docker("import", "-c", 'CMD ["true"]', "-", "busybox", input=rootfs_tar())
    pruned = d.dockyard("image", "prune", "-f").stdout
    assert f"deleted: {image_id}" in pruned
    missing = d.dockyard("rmi", "nosuch", check=False)
    assert missing.returncode == 1 and "No such image: nosuch:latest" in missing.stderr
