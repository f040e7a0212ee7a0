"""dockerd's refusals of host settings at create and update (messages as dockerd 20.10 sends them)."""

import pytest

from dockyard.containers.host_checks import check_host_config, check_resources
from dockyard.errors import InvalidArgument


@pytest.mark.parametrize("host_config, message", [
    ({"Memory": -5}, "Minimum memory limit allowed is 6MB"),
    ({"Memory": 6 * 1024 * 1024 - 1}, "Minimum memory limit allowed is 6MB"),
    ({"PortBindings": {"80/tcp": [{"HostPort": "abc"}]}}, 'invalid port specification: "abc"'),
    ({"PortBindings": {"80/tcp": [{"HostPort": "70000"}]}}, 'invalid port specification: "70000"'),
    ({"PortBindings": {"80/tcp": [{"HostPort": "-1"}]}}, 'invalid port specification: "-1"'),
    ({"PortBindings": {"abc/tcp": [{"HostPort": "1"}]}}, 'invalid port specification: "abc"'),
    ({"ExtraHosts": ["nocolon"]}, 'bad format for add-host: "nocolon"'),
    ({"ExtraHosts": [":1.2.3.4"]}, 'bad format for add-host: ":1.2.3.4"'),
    ({"ExtraHosts": ["a:notip"]}, 'invalid IP address in add-host: "notip"'),
])
def test_refused(host_config, message):
    with pytest.raises(InvalidArgument) as raised:
        check_host_config(host_config)
    assert raised.value.message == message


def test_accepted():
    check_host_config({"Memory": 0, "PortBindings": {"80/tcp": [{"HostPort": "8000-8010"}, {"HostPort": ""},
                                                                {"HostPort": "5/udp"}], "81": None},
                       "ExtraHosts": ["a:host-gateway", "b:::1", "c:[::1]"]})
    check_resources({"Memory": 6 * 1024 * 1024})
