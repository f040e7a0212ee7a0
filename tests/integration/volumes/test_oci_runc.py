"""The OCI mount entries the volume side produces, run for real by runc: a volume, a read-only
bind, a tmpfs with a size, a tmpfs-backed volume and copy-up, as a container sees them."""

import asyncio
import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from dockyard.events.journal import EventJournal
from dockyard.mounts.plan import plan_mounts
from dockyard.syscalls.constants import MNT_DETACH
from dockyard.syscalls.linux import LinuxSyscalls
from dockyard.volumes.kernel import mount_points
from dockyard.volumes.service import VolumeService

pytestmark = pytest.mark.root

APPLETS = ("sh", "cat", "grep", "echo", "touch", "ls")


@pytest.fixture
def bundle(tmp_path):
    if not shutil.which("runc") or not os.path.exists("/bin/busybox"):
        pytest.skip("needs runc and busybox-static")
    rootfs = tmp_path / "bundle/rootfs"
    for directory in ("bin", "proc", "dev", "sys", "etc/seed"):
        (rootfs / directory).mkdir(parents=True)
    shutil.copy("/bin/busybox", rootfs / "bin/busybox")
    for applet in APPLETS:
        os.symlink("busybox", rootfs / "bin" / applet)
    (rootfs / "etc/seed/from-image").write_text("seeded\n")
    subprocess.run(["runc", "spec"], cwd=tmp_path / "bundle", check=True)
    yield tmp_path / "bundle"
    for point in sorted((p for p in mount_points() if p.startswith(str(tmp_path))), reverse=True):
        LinuxSyscalls().umount2(point, MNT_DETACH)


def run_container(bundle, state, mounts: list[dict], script: str) -> subprocess.CompletedProcess:
    config = json.loads((bundle / "config.json").read_text())
    config["process"].update(terminal=False, args=["sh", "-c", script])
    config["root"]["readonly"] = False
    config["mounts"] += mounts
    (bundle / "config.json").write_text(json.dumps(config))
    name = f"dockyard-vol-{uuid.uuid4().hex[:8]}"
    return subprocess.run(["runc", "--root", str(state), "run", "-b", str(bundle), name],
                          capture_output=True, text=True, timeout=60)


def test_mounts_as_the_container_sees_them(bundle, tmp_path):
    events = EventJournal(tmp_path / "events.jsonl")
    volumes = VolumeService(tmp_path / "root", events)
    volumes.create("mem", options={"type": "tmpfs", "device": "tmpfs", "o": "size=2m"})
    (tmp_path / "host").mkdir()
    (tmp_path / "host/readme").write_text("host file\n")
    body = {"Volumes": {"/etc/seed": {}},
            "HostConfig": {"Binds": ["data:/data", f"{tmp_path}/host:/host:ro", "mem:/mem"],
                           "Tmpfs": {"/scratch": "size=1m"}}}
    resolved = volumes.containers.prepare("c1", plan_mounts(body, {}))
    asyncio.run(volumes.containers.copy_up(resolved, str(bundle / "rootfs")))
    oci = volumes.containers.mount("c1", resolved)
    result = run_container(bundle, tmp_path / "runc", oci, " ; ".join([
        "echo written > /data/f",
        "cat /host/readme",
        "touch /host/nope 2>/dev/null || echo ro-refused",
        "cat /etc/seed/from-image",
        "grep -E ' /(scratch|mem) ' /proc/mounts",
    ]))
    volumes.containers.unmount("c1", resolved)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:3] == ["host file", "ro-refused", "seeded"]
    mounts = {line.split()[1]: line.split() for line in lines[3:]}
    assert mounts["/scratch"][2] == "tmpfs" and "size=1024k" in mounts["/scratch"][3]
    assert "noexec" in mounts["/scratch"][3]
    assert mounts["/mem"][2] == "tmpfs" and "size=2048k" in mounts["/mem"][3]
    assert Path(volumes.path("data"), "f").read_text() == "written\n"
    assert not (tmp_path / "host/nope").exists()
    events.close()
