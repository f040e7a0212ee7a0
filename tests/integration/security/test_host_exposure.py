"""Nothing under the daemon's roots helps an unprivileged host user (CVE-2021-41091's class).

The reproduction of issue 12 as `nobody`: a setuid-root program placed in a container's root
file system and in a named volume must not run, and a bundle holding a container's
environment must not be read, by a host user who is not root.
"""

import os
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.support.busybox import import_busybox
from tests.support.daemon import Daemon, mounts_under

pytestmark = pytest.mark.root

EUID_C = b'#include <stdio.h>\n#include <unistd.h>\nint main(void){printf("euid=%d\\n",(int)geteuid());return 0;}\n'


def _euid_program(directory: Path) -> Path:
    """A tiny setuid-able program that prints its effective uid (static, so it runs in busybox)."""
    compiler = shutil.which("gcc") or shutil.which("cc")
    if compiler is None:
        pytest.skip("needs a C compiler to make the setuid test program")
    source, binary = directory / "euid.c", directory / "euid"
    source.write_bytes(EUID_C)
    subprocess.run([compiler, "-static", "-O1", "-o", str(binary), str(source)], check=True)
    return binary


def _as_nobody(*argv: str) -> subprocess.CompletedProcess:
    # Through a shell that runs as nobody: setpriv's own exec of argv[0] still walks the path
    # with root's permissions.
    return subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--",
                           "/bin/sh", "-c", '"$@"', "sh", *argv], capture_output=True, text=True)


@pytest.fixture
def open_parent_daemon():
    """A daemon whose roots sit in a directory every user may walk, as /var/lib and /run are."""
    base = Path(tempfile.mkdtemp(prefix="dockyard-sec-", dir="/tmp"))
    os.chmod(base, 0o755)
    d = Daemon(base, "sec").start()
    import_busybox(d)
    yield d
    d.docker("rm", "-f", "pp", check=False)
    d.stop()
    leftovers = mounts_under(base)
    shutil.rmtree(base, ignore_errors=True)
    assert not leftovers, f"left mounted: {leftovers}"


def test_nobody_cannot_run_setuid_programs_or_read_secrets_under_the_roots(open_parent_daemon, tmp_path):
    d = open_parent_daemon
    euid = _euid_program(tmp_path)
    cid = d.docker("run", "-d", "--name", "pp", "-e", "SECRET_TOKEN=hunter2", "-v", "secvol:/data",
                   "busybox", "sleep", "1000").stdout.strip()
    d.docker("cp", str(euid), "pp:/euid")
    d.docker("exec", "pp", "sh", "-c", "chmod 4755 /euid && cp -p /euid /data/euid && chmod 4755 /data/euid")

    in_rootfs = d.exec_root / "containers" / cid / "rootfs" / "euid"
    bundle = d.exec_root / "containers" / cid / "bundle" / "config.json"
    in_volume = d.data_root / "volumes" / "secvol" / "_data" / "euid"
    # The paths are real: root reaches them, the program is setuid root, the secret is there.
    for program in (in_rootfs, in_volume):
        mode = program.stat().st_mode
        assert mode & stat.S_ISUID and program.stat().st_uid == 0, oct(mode)
        assert subprocess.run([str(program)], capture_output=True, text=True).stdout == "euid=0\n"
    assert "SECRET_TOKEN=hunter2" in bundle.read_text()

    for program in (in_rootfs, in_volume):
        result = _as_nobody(str(program))
        assert result.returncode != 0 and "euid=0" not in result.stdout, result
        assert "Permission denied" in result.stderr, result.stderr
    result = _as_nobody("grep", "SECRET", str(bundle))
    assert result.returncode == 2 and "hunter2" not in result.stdout, result
    assert "Permission denied" in result.stderr, result.stderr
    result = _as_nobody("ls", str(d.data_root / "containers"))
    assert result.returncode != 0 and cid not in result.stdout, result


def test_roots_and_bundles_are_private(open_parent_daemon):
    d = open_parent_daemon
    cid = d.docker("run", "-d", "--name", "pp", "-e", "SECRET_TOKEN=hunter2", "busybox",
                   "sleep", "1000").stdout.strip()
    modes = {path: stat.S_IMODE(path.stat().st_mode) for path in (
        d.data_root, d.exec_root, d.data_root / "containers", d.data_root / "snapshots",
        d.exec_root / "containers" / cid / "bundle" / "config.json")}
    assert list(modes.values()) == [0o710, 0o700, 0o710, 0o710, 0o600], modes
    # Every record and runtime file that holds the environment is for root alone.
    for path in [*d.data_root.rglob("*.json"), *d.exec_root.rglob("*.json")]:
        if "hunter2" in path.read_text(errors="replace"):
            assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, (path, oct(path.stat().st_mode))


def test_a_root_made_loose_is_tightened_at_start(tmp_path):
    base = Path(tempfile.mkdtemp(prefix="dockyard-sec-", dir="/tmp"))
    try:
        d = Daemon(base, "loose")
        for root in (d.data_root, d.exec_root):
            root.mkdir(mode=0o755)
            os.chmod(root, 0o755)
        d.start()
        try:
            assert stat.S_IMODE(d.data_root.stat().st_mode) == 0o710
            assert stat.S_IMODE(d.exec_root.stat().st_mode) == 0o700
        finally:
            d.stop()
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_non_root_containers_still_run_behind_private_roots(open_parent_daemon):
    d = open_parent_daemon
    out = d.docker("run", "--rm", "-u", "65534:65534", "-v", "secvol2:/data", "busybox",
                   "sh", "-c", "id -u; cat /etc/hostname >/dev/null && ls /data && echo ok").stdout
    assert out.split() == ["65534", "ok"]
    d.docker("volume", "rm", "secvol2")


@pytest.mark.parametrize("kind", ["overlay", "bind"])
def test_the_daemons_own_mounts_of_a_root_carry_nosuid_and_nodev(tmp_path, kind):
    from dockyard.snapshots.mount import Mount, for_daemon
    from dockyard.snapshots.mounter import Mounter
    for name in ("lower", "upper", "work", "target"):
        (tmp_path / name).mkdir()
    mount = (Mount("overlay", "overlay", (f"lowerdir={tmp_path / 'lower'}", f"upperdir={tmp_path / 'upper'}",
                                           f"workdir={tmp_path / 'work'}"))
             if kind == "overlay" else Mount("bind", str(tmp_path / "lower"), ("rbind", "rw")))
    mounter = Mounter()
    mounter.mount_all(for_daemon([mount]), str(tmp_path / "target"))
    try:
        with open("/proc/self/mountinfo") as info:
            options = [line.split()[5].split(",") for line in info if line.split()[4] == str(tmp_path / "target")]
        assert options and "nosuid" in options[-1] and "nodev" in options[-1], options
    finally:
        mounter.unmount(str(tmp_path / "target"))
