"""Volumes, binds and tmpfs as containers see them, through `docker run` (the issue's "done when")."""

import io
import json
import os
import tarfile
import time
import uuid

import pytest

pytestmark = pytest.mark.root

BUSYBOX = "/bin/busybox"
APPLETS = ("sh", "cat", "echo", "ls", "grep", "touch", "true", "sleep", "mount")


@pytest.fixture(scope="module")
def image(daemon):
    """A busybox image made offline from Debian's busybox-static, imported into the daemon."""
    if not os.path.exists(BUSYBOX):
        pytest.skip("busybox-static is not installed")
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        tar.add(BUSYBOX, "bin/busybox")
        for applet in APPLETS:
            link = tarfile.TarInfo(f"bin/{applet}")
            link.type, link.linkname = tarfile.SYMTYPE, "busybox"
            tar.addfile(link)
        for directory in ("proc", "sys", "dev", "tmp", "etc", "data"):
            info = tarfile.TarInfo(directory)
            info.type, info.mode = tarfile.DIRTYPE, 0o755
            tar.addfile(info)
    name = "dockyard-test/volumes-busybox:1"
    daemon.docker("import", "-", name, input=buffer.getvalue())
    return name


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_named_volume_outlives_its_container(daemon, image):
    volume = unique("keep")
    daemon.docker("run", "--rm", "-v", f"{volume}:/data", image, "sh", "-c", "echo kept > /data/f")
    assert daemon.docker("run", "--rm", "-v", f"{volume}:/data", image, "cat", "/data/f").stdout == "kept\n"
    daemon.docker("volume", "rm", volume)


def test_new_volume_over_bin_is_seeded_from_the_image(daemon, image):
    volume = unique("bin")
    listing = daemon.docker("run", "--rm", "-v", f"{volume}:/bin", image, "ls", "/bin").stdout.split()
    assert "busybox" in listing and "sh" in listing
    mountpoint = json.loads(daemon.docker("volume", "inspect", volume).stdout)[0]["Mountpoint"]
    assert os.path.exists(f"{mountpoint}/busybox")
    daemon.docker("volume", "rm", volume)


def test_bind_mount_read_write_and_read_only(daemon, image, tmp_path):
    daemon.docker("run", "--rm", "-v", f"{tmp_path}:/b", image, "sh", "-c", "echo w > /b/f")
    assert (tmp_path / "f").read_text() == "w\n"
    refused = daemon.docker("run", "--rm", "-v", f"{tmp_path}:/b:ro", image, "touch", "/b/g", check=False)
    assert refused.returncode != 0 and "Read-only file system" in refused.stderr
    refused = daemon.docker("run", "--rm", "--mount", f"type=bind,src={tmp_path},dst=/b,readonly", image,
                            "touch", "/b/g", check=False)
    assert refused.returncode != 0 and not (tmp_path / "g").exists()


def test_missing_bind_source_created_for_v_refused_for_mount(daemon, image, tmp_path):
    daemon.docker("run", "--rm", "-v", f"{tmp_path}/made:/m", image, "true")
    assert (tmp_path / "made").is_dir()
    result = daemon.docker("run", "--rm", "--mount", f"type=bind,src={tmp_path}/absent,dst=/m", image, "true",
                           check=False)
    assert result.returncode == 125
    assert f'invalid mount config for type "bind": bind source path does not exist: {tmp_path}/absent' in result.stderr


def test_tmpfs(daemon, image):
    mounts = daemon.docker("run", "--rm", "--tmpfs", "/scratch:size=1m", image, "grep", " /scratch ", "/proc/mounts").stdout
    [line] = mounts.splitlines()  # mounted once
    assert line.split()[2] == "tmpfs" and "size=1024k" in line


def test_tmpfs_backed_volume(daemon, image):
    volume = unique("tv")
    daemon.docker("volume", "create", "--opt", "type=tmpfs", "--opt", "device=tmpfs", "--opt", "o=size=2m", volume)
    mounts = daemon.docker("run", "--rm", "-v", f"{volume}:/t", image, "grep", " /t ", "/proc/mounts").stdout
    assert mounts.split()[2] == "tmpfs" and "size=2048k" in mounts
    daemon.docker("volume", "rm", volume)


def test_in_use_volume_and_rm_v(daemon, image):
    named, container = unique("used"), unique("holder")
    daemon.docker("create", "--name", container, "-v", f"{named}:/n", "-v", "/anon", image, "true")
    mounts = json.loads(daemon.docker("inspect", "-f", "{{json .Mounts}}", container).stdout)
    by_destination = {m["Destination"]: m for m in mounts}
    assert by_destination["/n"]["Name"] == named and by_destination["/n"]["Mode"] == "z"
    anonymous = by_destination["/anon"]["Name"]
    container_id = daemon.docker("inspect", "-f", "{{.Id}}", container).stdout.strip()
    refused = daemon.docker("volume", "rm", named, check=False)
    assert refused.returncode == 1
    assert f"remove {named}: volume is in use - [{container_id}]" in refused.stderr
    daemon.docker("rm", "-v", container)
    volumes = daemon.docker("volume", "ls", "-q").stdout.split()
    assert named in volumes and anonymous not in volumes
    daemon.docker("volume", "rm", named)


def test_system_df_lists_volumes(daemon, image):
    volume = unique("df")
    daemon.docker("run", "--rm", "-v", f"{volume}:/d", image, "sh", "-c", "echo 12345 > /d/f")
    out = daemon.docker("system", "df", "-v").stdout
    [row] = [line.split() for line in out.splitlines() if line.startswith(volume)]
    assert row == [volume, "0", "6B"]  # name, links (no container uses it now), size
    daemon.docker("volume", "rm", volume)


def test_volumes_from(daemon, image):
    volume, source = unique("vf"), unique("src")
    daemon.docker("create", "--name", source, "-v", f"{volume}:/shared", "-v", "/anon", image, "true")
    daemon.docker("run", "--rm", "--volumes-from", source, image, "sh", "-c", "echo via > /shared/f; touch /anon/a")
    assert daemon.docker("run", "--rm", "-v", f"{volume}:/x", image, "cat", "/x/f").stdout == "via\n"
    refused = daemon.docker("run", "--rm", "--volumes-from", f"{source}:ro", image, "touch", "/shared/g", check=False)
    assert refused.returncode != 0 and "Read-only file system" in refused.stderr
    missing = daemon.docker("run", "--rm", "--volumes-from", "no-such-container", image, "true", check=False)
    assert missing.returncode == 125 and "No such container: no-such-container" in missing.stderr
    daemon.docker("rm", "-v", source)
    daemon.docker("volume", "rm", volume)


def test_mount_flag_volume_options(daemon, image):
    volume = unique("mv")
    empty_bin = daemon.docker("run", "--rm", "--mount", f"type=volume,src={volume},dst=/bin,volume-nocopy,volume-label=k=v",
                              image, "true", check=False)
    assert empty_bin.returncode == 127  # /bin is the new volume, not seeded: nothing to run
    [body] = json.loads(daemon.docker("volume", "inspect", volume).stdout)
    assert body["Labels"] == {"k": "v"}
    assert os.listdir(body["Mountpoint"]) == []  # nocopy: not seeded from the image
    daemon.docker("run", "--rm", "-v", f"{volume}:/v", image, "sh", "-c", "mkdir -p /v/sub && echo s > /v/sub/f")
    out = daemon.docker("run", "--rm", "--mount", f"type=volume,src={volume},dst=/only,volume-subpath=sub",
                        image, "cat", "/only/f").stdout
    assert out == "s\n"
    daemon.docker("volume", "rm", volume)


def test_tmpfs_mount_flag(daemon, image):
    out = daemon.docker("run", "--rm", "--mount", "type=tmpfs,dst=/t,tmpfs-size=2m,tmpfs-mode=1770", image,
                        "grep", " /t ", "/proc/mounts").stdout
    [line] = out.splitlines()
    assert line.split()[2] == "tmpfs" and "size=2048k" in line and "mode=1770" in line


def test_volume_events_around_a_run(daemon, image):
    volume = unique("ev")
    since = str(int(time.time()) - 1)
    daemon.docker("run", "--rm", "-v", f"{volume}:/d", image, "true")
    time.sleep(1.1)
    events = daemon.docker("events", "--since", since, "--until", "0s", "--filter", "type=volume",
                           "--filter", f"volume={volume}", "--format", "{{.Action}}").stdout.split()
    assert events == ["create", "mount", "unmount"]
    daemon.docker("volume", "rm", volume)


def test_mounts_in_inspect_and_ps(daemon, image, tmp_path):
    name, volume = unique("insp"), unique("iv")
    daemon.docker("create", "--name", name, "-v", f"{volume}:/data:ro", "-v", f"{tmp_path}:/host",
                  "--mount", "type=tmpfs,dst=/scratch", "--tmpfs", "/run", image, "true")
    mounts = json.loads(daemon.docker("inspect", "-f", "{{json .Mounts}}", name).stdout)
    assert mounts == [
        {"Type": "volume", "Name": volume, "Source": f"{daemon.data_root}/volumes/{volume}/_data",
         "Destination": "/data", "Driver": "local", "Mode": "ro", "RW": False, "Propagation": ""},
        {"Type": "bind", "Source": str(tmp_path), "Destination": "/host", "Mode": "", "RW": True,
         "Propagation": "rprivate"},
        {"Type": "tmpfs", "Source": "", "Destination": "/scratch", "Mode": "", "RW": True, "Propagation": ""},
    ]
    listed = daemon.docker("ps", "-a", "--filter", f"volume={volume}", "--format", "{{.Names}} {{.Mounts}}").stdout
    assert listed.split()[0] == name and volume in listed
    daemon.docker("rm", name)
    daemon.docker("volume", "rm", volume)


def test_references_survive_a_daemon_crash(fresh_daemon, tmp_path):
    daemon = fresh_daemon.start()
    name = "holder"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        tar.add(BUSYBOX, "bin/busybox")
        link = tarfile.TarInfo("bin/true")
        link.type, link.linkname = tarfile.SYMTYPE, "busybox"
        tar.addfile(link)
    daemon.docker("import", "-", "bb:1", input=buffer.getvalue())
    daemon.docker("create", "--name", name, "-v", "held:/h", "-v", "/anon", "bb:1", "true")
    anonymous = [m["Name"] for m in json.loads(daemon.docker("inspect", "-f", "{{json .Mounts}}", name).stdout)
                 if m["Destination"] == "/anon"][0]
    daemon.kill()
    daemon.start()
    refused = daemon.docker("volume", "rm", "held", check=False)
    assert refused.returncode == 1 and "volume is in use" in refused.stderr
    daemon.docker("start", "-a", name)
    assert sorted(daemon.docker("volume", "ls", "-q").stdout.split()) == sorted(["held", anonymous])
    daemon.docker("rm", "-v", name)
    assert daemon.docker("volume", "ls", "-q").stdout.split() == ["held"]
    daemon.docker("volume", "rm", "held")
