"""Who reaches the API: the socket's group and mode, plain TCP's warning, and flags that are
refused before the daemon touches the host."""

import grp
import hashlib
import os
import shutil
import socket
import stat
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.support.daemon import Daemon

pytestmark = pytest.mark.root


@pytest.fixture
def base():
    path = Path(tempfile.mkdtemp(prefix="dockyard-api-", dir="/tmp"))
    os.chmod(path, 0o755)                  # users other than root may walk to the socket
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_nobody(gid: int, *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(["setpriv", "--reuid=65534", f"--regid={gid}", "--clear-groups", "--", *argv],
                          capture_output=True, text=True, timeout=60)


def test_the_socket_is_root_and_the_docker_group_s_0660(base):
    d = Daemon(base, "grp").start()
    try:
        info = d.socket.stat()
        try:
            expected_gid = grp.getgrnam("docker").gr_gid   # scripts/setup installs docker.io, which makes it
        except KeyError:
            expected_gid = 0
        assert (stat.S_IMODE(info.st_mode), info.st_uid, info.st_gid) == (0o660, 0, expected_gid)
    finally:
        d.stop()


class _DaemonWithoutDockerGroup(Daemon):
    """Started in a mount namespace of its own whose /etc/group has no `docker` group."""

    def command(self) -> list[str]:
        group_file = self.base / "group"
        group_file.write_text("".join(line for line in Path("/etc/group").read_text().splitlines(True)
                                      if not line.startswith("docker:")))
        return ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c",
                'mount --bind "$0" /etc/group && exec "$@"', str(group_file), *super().command()]


def test_without_a_docker_group_the_socket_stays_root_s(base):
    """dockerd 20.10 on such a host: the socket root:root 0660, and this warning."""
    bridge = "dynogrp" + hashlib.sha256(str(base).encode()).hexdigest()[:6]
    d = _DaemonWithoutDockerGroup(base, "nogrp", extra_args=("--bridge", bridge)).start()
    try:
        info = d.socket.stat()
        assert (stat.S_IMODE(info.st_mode), info.st_uid, info.st_gid) == (0o660, 0, 0)
        assert f"could not change group {d.socket} to docker: group docker not found" in d.log()
    finally:
        d.stop()


def test_group_flag_decides_who_reaches_the_api(base):
    nogroup = grp.getgrnam("nogroup").gr_gid
    d = Daemon(base, "grp", extra_args=("--group", "nogroup")).start()
    try:
        assert d.socket.stat().st_gid == nogroup
        member = _as_nobody(nogroup, "docker", "-H", d.host, "version", "--format", "{{.Server.Os}}")
        assert (member.returncode, member.stdout) == (0, "linux\n"), member.stderr
        outsider = _as_nobody(65000, "docker", "-H", d.host, "version", "--format", "{{.Server.Os}}")
        assert outsider.returncode != 0 and "permission denied" in outsider.stderr, outsider
    finally:
        d.stop()


def test_plain_tcp_warns_as_dockerd_does(base):
    port = _free_port()
    d = Daemon(base, "tcp", extra_args=("-H", f"tcp://127.0.0.1:{port}")).start()
    try:
        version = subprocess.run(["docker", "-H", f"tcp://127.0.0.1:{port}", "version", "--format",
                                  "{{.Server.Os}}"], capture_output=True, text=True, timeout=60)
        assert version.stdout == "linux\n", version.stderr
        log = d.log()
        assert ("WARNING dockyard.daemon.listeners: Binding to IP address without --tlsverify is insecure "
                "and gives root access on this machine to everyone who has access to your network.") in log
        assert "can also give access to scripts run in a browser. Be safe out there!" in log
    finally:
        d.stop()


def _certificate(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                    "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1"], check=True, capture_output=True)
    return cert, key


def test_bad_flags_are_refused_before_the_host_is_touched(base):
    """Before: the daemon made its bridge and five iptables chains, then failed on the TLS flags
    and left them behind."""
    cert, key = _certificate(base)
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    tcp = f"tcp://127.0.0.1:{_free_port()}"
    cases = {
        "--tlsverify needs --tlscacert": ("-H", tcp, "--tlsverify", "--tlscert", str(cert), "--tlskey", str(key)),
        "--tlsverify needs --tlscert and --tlskey": ("-H", tcp, "--tlsverify"),
        "could not load X509 key pair": ("-H", tcp, "--tlscert", str(base / "missing.pem"), "--tlskey", str(key)),
        "Address already in use": ("-H", f"tcp://127.0.0.1:{busy.getsockname()[1]}",),
        "group nosuchgroup not found": ("--group", "nosuchgroup"),
        'insecure registry ::bad:: is not valid: invalid host "::bad::"': ("--insecure-registry", "::bad::"),
    }
    bridge = "dyrefuse" + hashlib.sha256(str(base).encode()).hexdigest()[:6]
    try:
        for message, flags in cases.items():
            d = Daemon(base, "bad", extra_args=("--bridge", bridge, *flags))
            result = subprocess.run(d.command(), capture_output=True, text=True, timeout=60,
                                    env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3] / "src")})
            # a malformed flag value is a usage error (2), as argparse's; what fails at start is 1
            status = 2 if message.startswith("insecure registry") else 1
            assert result.returncode == status and message in result.stderr, (flags, result.stderr)
            assert subprocess.run(["ip", "link", "show", bridge], capture_output=True).returncode != 0, flags
            tag = hashlib.sha256(str(d.exec_root).encode()).hexdigest()[:8]
            for table in ("filter", "nat"):
                rules = subprocess.run(["iptables", "-t", table, "-S"], capture_output=True, text=True).stdout
                assert f"DOCKYARD-{tag}" not in rules, (flags, table)
            assert not d.socket.exists(), flags
    finally:
        busy.close()


def test_a_memory_limit_allows_as_much_swap_again(busybox):
    """dockerd: `-m 20m` shows MemorySwap 41943040; an explicit swap limit stays; `update -m`
    beyond the swap limit is refused unless the swap limit moves too."""
    show = "{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}}"
    busybox.docker("create", "--name", "swap-default", "-m", "20m", "busybox", "true")
    busybox.docker("create", "--name", "swap-unlimited", "-m", "20m", "--memory-swap", "-1", "busybox", "true")
    busybox.docker("create", "--name", "swap-none", "busybox", "true")
    try:
        assert busybox.docker("inspect", "-f", show, "swap-default").stdout == "20971520 41943040\n"
        assert busybox.docker("inspect", "-f", show, "swap-unlimited").stdout == "20971520 -1\n"
        assert busybox.docker("inspect", "-f", show, "swap-none").stdout == "0 0\n"
        busybox.docker("update", "-m", "30m", "swap-default")
        assert busybox.docker("inspect", "-f", show, "swap-default").stdout == "31457280 41943040\n"
        refused = busybox.docker("update", "-m", "50m", "swap-default", check=False)
        assert refused.returncode == 1 and ("Memory limit should be smaller than already set memoryswap limit, "
                                            "update the memoryswap at the same time") in refused.stderr
        busybox.docker("update", "-m", "50m", "--memory-swap", "100m", "swap-default")
        assert busybox.docker("inspect", "-f", show, "swap-default").stdout == "52428800 104857600\n"
    finally:
        busybox.docker("rm", "swap-default", "swap-unlimited", "swap-none")
