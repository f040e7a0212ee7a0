"""The issue's acceptance list, through a real dockyardd and the real docker CLI."""

import json
import subprocess

import pytest

from tests.integration.network.conftest import daemon_on_bridge, eventually

pytestmark = pytest.mark.root

BRIDGE = "dytrun0"


@pytest.fixture(scope="module")
def daemon():
    with daemon_on_bridge("dockyard-netrun-", BRIDGE) as d:
        yield d


def _out(daemon, *args):
    return daemon.docker(*args).stdout


def test_default_bridge_none_and_host(daemon):
    addr = _out(daemon, "run", "--rm", "busybox", "ip", "-o", "-4", "addr", "show", "eth0")
    assert " eth0 " in addr and "inet 172." in addr or "inet 192.168." in addr
    links = _out(daemon, "run", "--rm", "--network", "none", "busybox", "ip", "-o", "link")
    assert [line.split(":")[1].strip() for line in links.splitlines()] == ["lo"]
    host = _out(daemon, "run", "--rm", "--network", "host", "busybox", "ip", "-o", "link")
    assert BRIDGE in host  # the host's own interfaces


def test_host_and_container_modes_take_the_hostname_of_the_stack_they_share(daemon):
    import socket

    assert _out(daemon, "run", "--rm", "--network", "host", "busybox", "hostname").strip() == socket.gethostname()
    daemon.docker("run", "-d", "--name", "named-host", "--hostname", "myhost", "--domainname", "example.org",
                  "busybox", "sleep", "300")
    try:
        daemon.docker("run", "--name", "sharer", "--network", "container:named-host", "busybox", "true")
        assert _out(daemon, "run", "--rm", "--network", "container:named-host", "busybox", "hostname") == "myhost\n"
        shown = daemon.docker("inspect", "-f", "{{.Config.Hostname}} {{.Config.Domainname}}", "sharer").stdout
        assert shown == "myhost example.org\n"
    finally:
        daemon.docker("rm", "-f", "named-host", "sharer", check=False)


def test_user_network_names_aliases_connect_and_rm(daemon):
    daemon.docker("network", "create", "runnet")
    try:
        daemon.docker("run", "-d", "--name", "rdb", "--network", "runnet",
                      "--network-alias", "database", "busybox", "sleep", "300")
        ping = "ping -c1 -W2 rdb && ping -c1 -W2 database"
        daemon.docker("run", "--rm", "--network", "runnet", "busybox", "sh", "-c", ping)
        daemon.docker("run", "-d", "--name", "rweb", "busybox", "sleep", "300")
        daemon.docker("network", "connect", "--alias", "front", "runnet", "rweb")
        assert "eth1" in _out(daemon, "exec", "rweb", "ip", "-o", "link")
        daemon.docker("exec", "rweb", "ping", "-c1", "-W2", "database")
        busy = daemon.docker("network", "rm", "runnet", check=False)
        assert busy.returncode != 0 and "has active endpoints" in busy.stderr
        daemon.docker("network", "disconnect", "runnet", "rweb")
        assert "eth1" not in _out(daemon, "exec", "rweb", "ip", "-o", "link")
        inspect = json.loads(_out(daemon, "network", "inspect", "runnet"))[0]
        assert [c["Name"] for c in inspect["Containers"].values()] == ["rdb"]
    finally:
        daemon.docker("rm", "-f", "rdb", "rweb", check=False)
    daemon.docker("network", "rm", "runnet")


def test_published_port_serves_the_host_and_is_released(daemon):
    script = "mkdir -p /www && echo served > /www/index.html && httpd -f -p 80 -h /www"
    daemon.docker("run", "-d", "--name", "rhttp", "-p", "127.0.0.1:18081:80", "busybox", "sh", "-c", script)
    try:
        assert _out(daemon, "port", "rhttp").strip() == "80/tcp -> 127.0.0.1:18081"
        curl = ["curl", "-s", "--max-time", "3", "http://127.0.0.1:18081/"]
        served = lambda: subprocess.run(curl, capture_output=True, text=True).stdout == "served\n"
        assert eventually(served, timeout=15), daemon.docker("logs", "rhttp", check=False)
        taken = daemon.docker("run", "--rm", "-p", "127.0.0.1:18081:80", "busybox", "true", check=False)
        assert "Bind for 127.0.0.1:18081 failed: port is already allocated" in taken.stderr, taken
    finally:
        daemon.docker("rm", "-f", "rhttp")
    assert eventually(lambda: subprocess.run(curl, capture_output=True, text=True).returncode != 0)


def test_legacy_links_on_the_default_bridge(daemon):
    """--link on the default bridge, as dockerd 20.10: environment, /etc/hosts, the names ps
    shows, and `docker rm --link`; a linked container must exist and run."""
    daemon.docker("run", "-d", "--name", "lk-db", "-e", "FOO=1", "--expose", "80", "busybox", "sleep", "120")
    daemon.docker("run", "-d", "--name", "lk-cache", "busybox", "sleep", "120")
    try:
        address = _out(daemon, "inspect", "-f", "{{.NetworkSettings.Networks.bridge.IPAddress}}", "lk-db").strip()
        hostname = _out(daemon, "inspect", "-f", "{{.Config.Hostname}}", "lk-db").strip()
        daemon.docker("run", "-d", "--name", "lk-web", "--link", "lk-db:db", "--link", "lk-cache", "busybox", "sleep", "120")
        env = _out(daemon, "exec", "lk-web", "env").split()
        assert {f"DB_PORT=tcp://{address}:80", f"DB_PORT_80_TCP_ADDR={address}", "DB_PORT_80_TCP_PORT=80",
                "DB_NAME=/lk-web/db", "DB_ENV_FOO=1", "LK_CACHE_NAME=/lk-web/lk-cache"} <= set(env)
        assert f"{address}\tdb {hostname} lk-db\n" in _out(daemon, "exec", "lk-web", "cat", "/etc/hosts")
        assert _out(daemon, "inspect", "-f", "{{json .HostConfig.Links}}", "lk-web").strip() == \
            '["/lk-db:/lk-web/db","/lk-cache:/lk-web/lk-cache"]'
        names = _out(daemon, "ps", "--no-trunc", "--filter", "name=lk-db", "--format", "{{.Names}}").strip()
        assert sorted(names.split(",")) == ["lk-db", "lk-web/db"]
        daemon.docker("rm", "--link", "lk-web/db")                       # the link, not a container
        assert _out(daemon, "inspect", "-f", "{{json .HostConfig.Links}}", "lk-web").strip() == '["/lk-cache:/lk-web/lk-cache"]'
        assert f"\tdb {hostname}" not in _out(daemon, "exec", "lk-web", "cat", "/etc/hosts")
        daemon.docker("stop", "-t", "0", "lk-cache")
        down = daemon.docker("run", "--rm", "--link", "lk-cache", "busybox", "true", check=False)
        assert "Cannot link to a non running container: /lk-cache AS /" in down.stderr
        missing = daemon.docker("run", "--rm", "--link", "lk-nope:x", "busybox", "true", check=False)
        assert "could not get container for lk-nope: No such container: lk-nope" in missing.stderr
        assert "Unable to find image" not in missing.stderr                  # a 400: the CLI does not pull
    finally:
        daemon.docker("rm", "-f", "lk-web", "lk-db", "lk-cache", check=False)
