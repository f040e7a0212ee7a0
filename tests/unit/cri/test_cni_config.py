"""CNI configuration lists (pure)."""

import json

import pytest

from dockyard.errors import InvalidArgument
from dockyard.network.cni import config


def test_the_first_file_in_lexical_order_is_the_network():
    assert config.choose(["99-b.conflist", "10-a.conf", ".hidden.conflist", "README"]) == "10-a.conf"
    assert config.choose(["README"]) is None


def test_a_single_plugin_conf_becomes_a_list():
    network = config.parse(json.dumps({"cniVersion": "0.4.0", "name": "n", "type": "bridge", "bridge": "b0"}))
    assert network.plugins == ({"type": "bridge", "bridge": "b0"},)
    assert network.plugin_config(network.plugins[0], {"portMappings": [1]}, None) == {
        "type": "bridge", "bridge": "b0", "name": "n", "cniVersion": "0.4.0"}


def test_a_plugin_gets_the_runtime_values_of_its_capabilities_and_the_previous_result():
    network = config.parse(json.dumps(config.default_list("10.9.0.0/16", "br9")))
    portmap = network.plugins[1]
    assert network.plugin_config(portmap, {"portMappings": [{"hostPort": 80}], "bandwidth": {}}, {"ips": []}) == {
        **portmap, "name": "dockyard", "cniVersion": "1.0.0", "runtimeConfig": {"portMappings": [{"hostPort": 80}]},
        "prevResult": {"ips": []}}
    assert network.plugins[0]["ipam"]["ranges"] == [[{"subnet": "10.9.0.0/16"}]]


@pytest.mark.parametrize("text", ["[]", "{}", '{"name": "n", "plugins": [{"bridge": "x"}]}', "not json"])
def test_bad_configurations_are_refused(text):
    with pytest.raises(InvalidArgument):
        config.parse(text)


def test_pod_addresses_from_results_of_every_version():
    result = {"interfaces": [{"name": "cni0"}, {"name": "eth0", "sandbox": "/run/netns/x"}],
              "ips": [{"address": "10.0.0.1/24", "interface": 0}, {"address": "10.88.0.7/16", "interface": 1},
                      {"address": "fd00::7/64", "interface": 1}]}
    assert config.pod_addresses(result) == ["10.88.0.7", "fd00::7", "10.0.0.1"]
    assert config.pod_addresses({"ip4": {"ip": "10.1.0.2/16"}}) == ["10.1.0.2"]
