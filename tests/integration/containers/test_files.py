"""docker cp both ways (and its escape routes), diff, commit, export."""

import io
import os
import tarfile

import pytest

pytestmark = pytest.mark.root


@pytest.fixture
def web(busybox):
    busybox.docker("run", "-d", "--name", "web", "busybox", "sleep", "300")
    # made by an exec, which returns once they exist (the container's own command may not have run yet)
    busybox.docker("exec", "web", "sh", "-c", "mkdir /data && echo hi > /data/index.html && ln -s / /data/escape")
    yield busybox
    busybox.docker("rm", "-f", "web", check=False)


def test_cp_both_ways(web, tmp_path):
    source = tmp_path / "a.txt"
    source.write_text("local\n")
    web.docker("cp", str(source), "web:/data/a.txt")
    assert web.docker("exec", "web", "cat", "/data/a.txt").stdout == "local\n"
    web.docker("cp", "web:/data", str(tmp_path / "out"))
    assert (tmp_path / "out" / "index.html").read_text() == "hi\n"
    missing = web.docker("cp", "web:/nonexistent", str(tmp_path / "x"), check=False)
    assert "Could not find the file /nonexistent in container web" in missing.stderr


def test_cp_cannot_escape_through_symlinks(web, tmp_path):
    marker = f"/tmp/dockyard-escape-{os.getpid()}"
    source = tmp_path / "evil"
    source.write_text("escaped?\n")
    web.docker("cp", str(source), f"web:/data/escape{marker}")
    assert not os.path.exists(marker), "docker cp wrote outside the container"
    assert web.docker("exec", "web", "cat", marker).stdout == "escaped?\n"
    out = web.docker("cp", "web:/data/escape/etc/hostname", "-").stdout
    assert "web" not in out  # the link itself is copied, never the host's file


def test_cp_refuses_traversal_in_the_archive(web, tmp_path):
    target = f"/tmp/dockyard-traversal-{os.getpid()}-{tmp_path.name}"   # no earlier run's leftover can be it
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo("../../../.." + target)
        info.size = 3
        tar.addfile(info, io.BytesIO(b"bad"))
    result = web.docker("cp", "-", "web:/data", input=buf.getvalue(), check=False)
    assert result.returncode != 0 and b"Error response from daemon" in result.stderr
    assert not os.path.exists(target)


def test_diff_commit_export(web):
    web.docker("exec", "web", "rm", "/etc/group")
    diff = web.docker("diff", "web").stdout.splitlines()
    assert "A /data/index.html" in diff and "D /etc/group" in diff and "C /etc" in diff
    assert not any("hosts" in line for line in diff)
    web.docker("commit", "-c", "ENV FOO=bar", "web", "committed:1")
    try:
        out = web.docker("run", "--rm", "committed:1", "sh", "-c", "cat /data/index.html; echo $FOO").stdout
        assert out == "hi\nbar\n"
    finally:
        web.docker("rmi", "committed:1")
    exported = web.docker("export", "web", input=b"").stdout
    names = tarfile.open(fileobj=io.BytesIO(exported)).getnames()
    assert "data/index.html" in names and "bin/busybox" in names


def test_cp_reaches_the_volumes_of_a_container_never_started(busybox, tmp_path):
    """dockerd mounts a stopped container's volumes for cp, and seeds new ones at create: what
    is copied in before the first start lies on top of the image's files."""
    name = f"vols{os.getpid()}"
    busybox.docker("create", "--name", name, "-v", "/vol1", "-v", "/etc", "busybox", "sh", "-c",
                   "cat /vol1/in.txt /etc/passwd /etc/in.txt > /vol1/out.txt")
    try:
        source = tmp_path / "in.txt"
        source.write_text("copied in\n")
        busybox.docker("cp", str(source), f"{name}:/vol1/")
        busybox.docker("cp", str(source), f"{name}:/etc/")
        assert busybox.docker("start", "-a", name).returncode == 0
        busybox.docker("cp", f"{name}:/vol1/out.txt", str(tmp_path))   # stopped: from the volume
        out = (tmp_path / "out.txt").read_text()
        assert "copied in\nroot:x:0:0" in out and out.endswith("copied in\n")
    finally:
        busybox.docker("rm", "-f", "-v", name)


def test_put_archive_keeps_the_tars_owners_and_times_and_copy_uid_gid_gives_the_containers_user(busybox):
    api = busybox.client().api
    container = api.create_container("busybox", ["sleep", "60"], user="nobody")
    api.start(container)
    try:
        archive = io.BytesIO()
        with tarfile.open(fileobj=archive, mode="w") as tar:
            info = tarfile.TarInfo("owned")
            info.size, info.uid, info.gid, info.mtime = 2, 1234, 5678, 1_000_000_000
            tar.addfile(info, io.BytesIO(b"hi"))
            folder = tarfile.TarInfo("folder")
            folder.type, folder.uid, folder.gid, folder.mode, folder.mtime = tarfile.DIRTYPE, 42, 43, 0o750, 1_000_000_000
            tar.addfile(folder)
        for options, expected in (({}, {"owned": "1234:5678", "folder": "42:43"}),
                                  ({"copyUIDGID": 1}, {"owned": "65534:65534", "folder": "65534:65534"})):
            response = api._put(api._url("/containers/{0}/archive", container["Id"]),
                                params={"path": "/tmp", **options}, data=archive.getvalue())
            assert response.status_code == 200, response.text
            listing = api.exec_start(api.exec_create(container, ["stat", "-c", "%n %u:%g %Y", "/tmp/owned",
                                                                  "/tmp/folder"], user="root")).decode()
            assert listing.split("\n")[:2] == [f"/tmp/owned {expected['owned']} 1000000000",
                                               f"/tmp/folder {expected['folder']} 1000000000"]
    finally:
        api.remove_container(container, force=True)


def test_the_init_layer_holds_mount_points_out_of_diff_and_commit_and_in_export(busybox, tmp_path):
    """As dockerd (asked, 20.10): /.dockerenv and /etc/mtab exist; `docker diff` after writing
    /etc/foo is exactly `C /etc`, `A /etc/foo`; the committed layer holds only what the
    container wrote; `docker export` has the init layer's files."""
    busybox.docker("run", "--name", "initlayer", "busybox", "sh", "-c",
                   "test -f /.dockerenv && test \"$(readlink /etc/mtab)\" = /proc/mounts && echo x > /etc/foo")
    try:
        assert busybox.docker("diff", "initlayer").stdout.splitlines() == ["C /etc", "A /etc/foo"]
        busybox.docker("commit", "initlayer", "initlayer:1")
        archive = tmp_path / "saved.tar"
        busybox.docker("save", "-o", str(archive), "initlayer:1")
        with tarfile.open(archive) as saved:
            import json
            top = json.load(saved.extractfile("manifest.json"))[0]["Layers"][-1]
            layer = tarfile.open(fileobj=io.BytesIO(saved.extractfile(top).read()))
            assert sorted(m.name.strip("/").removeprefix("./") for m in layer.getmembers()) == ["etc", "etc/foo"]
        exported = tarfile.open(fileobj=io.BytesIO(busybox.docker("export", "initlayer", input=b"").stdout))
        names = set(exported.getnames())
        assert {".dockerenv", "etc/hostname", "etc/hosts", "etc/resolv.conf", "etc/mtab", "etc/foo",
                "dev/console", "dev/pts", "dev/shm", "proc", "sys"} <= names
        assert exported.getmember(".dockerenv").size == 0
    finally:
        busybox.docker("rm", "-f", "initlayer", check=False)
        busybox.docker("rmi", "initlayer:1", check=False)


def test_containers_of_one_image_share_its_init_layer_which_goes_with_the_image(busybox):
    busybox.docker("run", "--name", "layered", "busybox", "sh", "-c", "echo x > /own-layer")
    busybox.docker("commit", "layered", "initshared:1")
    busybox.docker("rm", "layered")
    for name in ("share1", "share2"):
        busybox.docker("create", "--name", name, "initshared:1", "true")
    lowers = [busybox.docker("inspect", "-f", "{{.GraphDriver.Data.LowerDir}}", name).stdout.strip().split(":")
              for name in ("share1", "share2")]
    assert lowers[0] == lowers[1] and lowers[0][0].startswith(str(busybox.data_root))
    init_dir = lowers[0][0]
    assert os.path.isfile(os.path.join(init_dir, ".dockerenv"))
    busybox.docker("rm", "share1", "share2")
    busybox.docker("rmi", "initshared:1")
    assert not os.path.exists(init_dir)
