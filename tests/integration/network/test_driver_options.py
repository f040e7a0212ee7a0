"""`docker network create -o` options of the bridge driver, through a real dockyardd and the
real docker CLI: each one dockerd 20.10 honours is honoured, a bad value is refused with
dockerd's message, and --ip6 follows dockerd's rule on a network whose IPv6 is not enabled."""

import json
import subprocess

import pytest

from dockyard.firewall.rules import Chains
from tests.integration.network.conftest import daemon_on_bridge

pytestmark = pytest.mark.root

BRIDGE = "dytopts0"


@pytest.fixture(scope="module")
def daemon():
    with daemon_on_bridge("dockyard-netopts-", BRIDGE) as d:
        yield d


def _saved_rules() -> str:
    return subprocess.run(["iptables-save"], capture_output=True, text=True, check=True).stdout


def _can_ping(daemon, net: str, target: str) -> bool:
    script = f"for i in 1 2 3; do ping -c1 -W1 {target} && exit 0; done; exit 1"
    return daemon.docker("run", "--rm", "--network", net, "busybox", "sh", "-c", script,
                         check=False).returncode == 0


def test_mtu_is_set_on_both_ends_of_each_veth(daemon):
    daemon.docker("network", "create", "-o", "com.docker.network.driver.mtu=1400", "mtunet")
    try:
        daemon.docker("run", "-d", "--name", "small-mtu", "--network", "mtunet", "busybox", "sleep", "300")
        assert " mtu 1400 " in daemon.docker("exec", "small-mtu", "ip", "link", "show", "eth0").stdout
        net = json.loads(daemon.docker("network", "inspect", "mtunet").stdout)[0]
        assert net["Options"] == {"com.docker.network.driver.mtu": "1400"}
        ports = subprocess.run(["ip", "-o", "link", "show", "master", "dy-" + net["Id"][:12]],
                               capture_output=True, text=True, check=True).stdout.splitlines()
        assert len(ports) == 1 and " mtu 1400 " in ports[0]
    finally:
        daemon.docker("rm", "-f", "small-mtu", check=False)
        daemon.docker("network", "rm", "mtunet")


def test_icc_false_keeps_containers_of_one_network_apart(daemon):
    daemon.docker("network", "create", "iccnet")
    daemon.docker("network", "create", "-o", "com.docker.network.bridge.enable_icc=false", "noiccnet")
    try:
        for net in ("iccnet", "noiccnet"):
            daemon.docker("run", "-d", "--name", f"target-{net}", "--network", net, "busybox", "sleep", "300")
        assert _can_ping(daemon, "iccnet", "target-iccnet")
        assert not _can_ping(daemon, "noiccnet", "target-noiccnet")
        # what the container is for still works: reaching its gateway (the host)
        gateway = json.loads(daemon.docker("network", "inspect", "noiccnet").stdout)[0]["IPAM"]["Config"][0]["Gateway"]
        assert _can_ping(daemon, "noiccnet", gateway)
    finally:
        daemon.docker("rm", "-f", "target-iccnet", "target-noiccnet", check=False)
        daemon.docker("network", "rm", "iccnet", "noiccnet")


def test_masquerade_false_leaves_the_subnet_unnated(daemon):
    daemon.docker("network", "create", "--subnet", "10.231.7.0/24", "-o",
                  "com.docker.network.bridge.enable_ip_masquerade=false", "nomasq")
    daemon.docker("network", "create", "--subnet", "10.231.8.0/24", "masq")
    try:
        postrouting = Chains.for_root(str(daemon.exec_root)).postrouting
        ours = [line for line in _saved_rules().splitlines() if line.startswith(f"-A {postrouting} ")]
        assert any("-s 10.231.8.0/24" in line and "MASQUERADE" in line for line in ours)
        assert not any("10.231.7.0/24" in line for line in ours)
    finally:
        daemon.docker("network", "rm", "nomasq", "masq")


def test_host_binding_ipv4_is_the_default_address_of_published_ports(daemon):
    daemon.docker("network", "create", "-o", "com.docker.network.bridge.host_binding_ipv4=127.0.0.1", "loopnet")
    try:
        daemon.docker("run", "-d", "--name", "bound", "--network", "loopnet", "-p", "80", "-p", "0.0.0.0::81",
                      "busybox", "sleep", "300")
        ports = json.loads(daemon.docker("inspect", "-f", "{{json .NetworkSettings.Ports}}", "bound").stdout)
        assert ports["80/tcp"][0]["HostIp"] == "127.0.0.1"
        assert ports["81/tcp"][0]["HostIp"] == "0.0.0.0"
    finally:
        daemon.docker("rm", "-f", "bound", check=False)
        daemon.docker("network", "rm", "loopnet")


@pytest.mark.parametrize("option, message", [
    ("com.docker.network.bridge.enable_icc=maybe",
     'failed to parse com.docker.network.bridge.enable_icc value: maybe '
     '(strconv.ParseBool: parsing "maybe": invalid syntax)'),
    ("com.docker.network.enable_ipv6=yes",
     'failed to parse com.docker.network.enable_ipv6 value: yes (strconv.ParseBool: parsing "yes": invalid syntax)'),
    ("com.docker.network.driver.mtu=abc",
     'failed to parse com.docker.network.driver.mtu value: abc (strconv.Atoi: parsing "abc": invalid syntax)'),
    ("com.docker.network.bridge.host_binding_ipv4=notanip",
     "failed to parse com.docker.network.bridge.host_binding_ipv4 value: notanip (nil ip)"),
    ("com.docker.network.bridge.default_bridge=true",
     "com.docker.network.bridge.default_bridge is reserved for the default bridge network"),
])
def test_a_bad_option_value_is_refused_with_dockerds_message(daemon, option, message):
    result = daemon.docker("network", "create", "-o", option, "badopt", check=False)
    assert result.returncode == 1
    assert result.stderr.strip() == f"Error response from daemon: {message}"
    assert "badopt" not in daemon.docker("network", "ls", "--format", "{{.Name}}").stdout.split()


def test_an_unknown_option_is_kept_as_dockerd_keeps_it(daemon):
    daemon.docker("network", "create", "-o", "foo=bar", "unknownopt")
    try:
        assert json.loads(daemon.docker("network", "inspect", "unknownopt").stdout)[0]["Options"] == {"foo": "bar"}
    finally:
        daemon.docker("network", "rm", "unknownopt")


def test_ip6_on_a_network_with_an_ipv6_subnet_but_ipv6_off(daemon):
    """compose v1's static-address test: the IPv6 address is kept in IPAMConfig, none is given."""
    daemon.docker("network", "create", "--subnet", "172.16.100.0/24", "--gateway", "172.16.100.1",
                  "--subnet", "fe80::/64", "--gateway", "fe80::1001:1",
                  "-o", "com.docker.network.enable_ipv6=true", "static6")
    daemon.docker("network", "create", "--subnet", "172.16.101.0/24", "only4")
    try:
        daemon.docker("run", "-d", "--name", "web6", "--network", "static6", "--ip", "172.16.100.100",
                      "--ip6", "fe80::1001:100", "busybox", "sleep", "300")
        settings = json.loads(daemon.docker("inspect", "-f", "{{json .NetworkSettings.Networks}}", "web6").stdout)
        net = settings["static6"]
        assert net["IPAMConfig"] == {"IPv4Address": "172.16.100.100", "IPv6Address": "fe80::1001:100"}
        assert net["IPAddress"] == "172.16.100.100"
        assert net["GlobalIPv6Address"] == ""
        assert json.loads(daemon.docker("network", "inspect", "static6").stdout)[0]["EnableIPv6"] is False
        refused = daemon.docker("run", "--rm", "--network", "only4", "--ip6", "fe80::1001:100", "busybox", "true",
                                check=False)
        assert refused.returncode == 125
        assert ("user specified IP address is supported only when connecting to networks with user configured "
                "subnets") in refused.stderr
    finally:
        daemon.docker("rm", "-f", "web6", check=False)
        daemon.docker("network", "rm", "static6", "only4")
