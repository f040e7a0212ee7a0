"""IPv6 networks, IPAM pools and endpoint settings as dockerd 20.10 answers them (docker-py's
network suite), through a real dockyardd and the real docker CLI and docker-py."""

import json

import docker
import pytest

from tests.integration.network.conftest import daemon_on_bridge

pytestmark = pytest.mark.root

SUBNET6 = "2001:db8:d0c::/64"


@pytest.fixture(scope="module")
def daemon():
    with daemon_on_bridge("dockyard-ipam-", "dytipam0") as d:
        yield d


def _sysctls(daemon, network: str) -> dict[str, str]:
    script = "for f in all default lo eth0; do echo $f $(cat /proc/sys/net/ipv6/conf/$f/disable_ipv6); done"
    out = daemon.docker("run", "--rm", "--network", network, "busybox", "sh", "-c", script).stdout
    return dict(line.split() for line in out.splitlines())


def test_an_ipv6_network_gives_containers_an_address_a_route_and_a_hosts_line(daemon):
    daemon.docker("network", "create", "--ipv6", "--subnet", SUBNET6, "--ip-range", "2001:db8:d0c::/96",
                  "--gateway", "2001:db8:d0c::ffff", "six")
    try:
        ipam = json.loads(daemon.docker("network", "inspect", "six").stdout)[0]
        assert ipam["EnableIPv6"] is True
        v4, v6 = ipam["IPAM"]["Config"]                        # an IPv4 pool is chosen as well
        assert "Gateway" in v4 and v6 == {"Subnet": SUBNET6, "IPRange": "2001:db8:d0c::/96",
                                          "Gateway": "2001:db8:d0c::ffff"}
        daemon.docker("run", "-d", "--name", "six-a", "--network", "six", "busybox", "sleep", "60")
        endpoint = json.loads(daemon.docker("inspect", "six-a").stdout)[0]["NetworkSettings"]["Networks"]["six"]
        assert (endpoint["GlobalIPv6Address"], endpoint["GlobalIPv6PrefixLen"], endpoint["IPv6Gateway"]) == \
            ("2001:db8:d0c::1", 64, "2001:db8:d0c::ffff")
        inside = daemon.docker("exec", "six-a", "sh", "-c", "ip -6 route; cat /etc/hosts; ping6 -c1 -W5 2001:db8:d0c::ffff").stdout
        assert "default via 2001:db8:d0c::ffff dev eth0" in inside and "\n2001:db8:d0c::1\t" in inside
        assert "1 packets received" in inside
        daemon.docker("run", "-d", "--name", "six-b", "--network", "six", "--ip6", "2001:db8:d0c::f00d",
                      "busybox", "sleep", "60")
        assert "64 bytes from 2001:db8:d0c::f00d" in daemon.docker(
            "exec", "six-a", "ping6", "-c1", "-W5", "2001:db8:d0c::f00d").stdout
        assert "2001:db8:d0c::f00d" in daemon.docker("exec", "six-a", "nslookup", "six-b").stdout   # AAAA by name
        containers = json.loads(daemon.docker("network", "inspect", "six").stdout)[0]["Containers"]
        assert sorted(c["IPv6Address"] for c in containers.values()) == ["2001:db8:d0c::1/64", "2001:db8:d0c::f00d/64"]
        # dockerd leaves IPv6 on only where an endpoint has it
        assert _sysctls(daemon, "six") == {"all": "1", "default": "1", "lo": "0", "eth0": "0"}
        assert _sysctls(daemon, "bridge") == {"all": "1", "default": "1", "lo": "1", "eth0": "1"}
    finally:
        daemon.docker("rm", "-f", "six-a", "six-b", check=False)
        daemon.docker("network", "rm", "six")


def test_ipam_rules_and_their_errors(daemon):
    api = daemon.client().api
    pool = docker.types.IPAMPool(subnet="10.214.7.0/29", aux_addresses={"a": "10.214.7.2", "b": "10.214.7.3"})
    net = api.create_network("aux", ipam=docker.types.IPAMConfig(pool_configs=[pool]))["Id"]
    try:
        ipam = api.inspect_network(net)["IPAM"]
        assert ipam["Options"] is None and ipam["Config"] == [       # no gateway given: none shown
            {"Subnet": "10.214.7.0/29", "AuxiliaryAddresses": {"a": "10.214.7.2", "b": "10.214.7.3"}}]
        daemon.docker("run", "-d", "--name", "aux-a", "--network", "aux", "busybox", "sleep", "60")
        assert daemon.docker("inspect", "-f", "{{.NetworkSettings.Networks.aux.IPAddress}}", "aux-a").stdout.strip() == \
            "10.214.7.4"                                             # past the auxiliary addresses
        taken = daemon.docker("run", "--rm", "--network", "aux", "--ip", "10.214.7.3", "busybox", "true", check=False)
        assert "address already in use: 10.214.7.3" in taken.stderr
    finally:
        daemon.docker("rm", "-f", "aux-a", check=False)
        api.remove_network(net)
    two = docker.types.IPAMConfig(pool_configs=[docker.types.IPAMPool(subnet="10.214.8.0/24"),
                                                docker.types.IPAMPool(subnet="10.214.9.0/24")])
    with pytest.raises(docker.errors.APIError) as refused:
        api.create_network("two", ipam=two)
    assert refused.value.status_code == 403 and "bridge driver doesn't support multiple subnets" in str(refused.value)
    with pytest.raises(docker.errors.APIError) as refused:
        api.create_network("nosubnet6", enable_ipv6=True)
    assert refused.value.status_code == 404 and "non-overlapping IPv6 address pool" in str(refused.value)
    daemon.docker("network", "create", "autopool")
    try:
        chosen = daemon.docker("run", "--rm", "--network", "autopool", "--ip", "172.31.0.9", "busybox", "true",
                               check=False)
        assert "supported only when connecting to networks with user configured subnets" in chosen.stderr
    finally:
        daemon.docker("network", "rm", "autopool")


def test_endpoint_settings_of_created_containers_and_force_disconnect(daemon):
    api = daemon.client().api
    daemon.docker("network", "create", "ends")
    container = api.create_container(
        "busybox", "top", host_config=api.create_host_config(network_mode="bridge"),
        networking_config=api.create_networking_config(
            {"bridge": api.create_endpoint_config(driver_opt={"com.docker-py.setting": "on"})}))
    try:
        api.connect_container_to_network(container, "ends", mac_address="02:42:ac:11:00:02")
        networks = api.inspect_container(container)["NetworkSettings"]["Networks"]
        assert networks["ends"]["MacAddress"] == "02:42:ac:11:00:02"
        assert networks["bridge"]["DriverOpts"] == {"com.docker-py.setting": "on"}
        api.start(container)
        networks = api.inspect_container(container)["NetworkSettings"]["Networks"]
        assert networks["ends"]["MacAddress"] == "02:42:ac:11:00:02"
        assert networks["bridge"]["DriverOpts"] == {"com.docker-py.setting": "on"}
        api.disconnect_container_from_network(container, "ends", force=True)
        with pytest.raises(docker.errors.APIError, match="is not connected to network ends"):
            api.disconnect_container_from_network(container, "ends", force=True)
    finally:
        api.remove_container(container, force=True)
        daemon.docker("network", "rm", "ends")
