import pytest

from dockyard.errors import InvalidArgument
from dockyard.network import bridge_options
from dockyard.network.bridge_options import BridgeOptions, parse
from dockyard.network.model import default_bridge_options


def test_no_options_are_dockerds_defaults():
    assert parse({}) == BridgeOptions()
    assert parse({"foo": "bar"}) == BridgeOptions()  # unknown keys are kept, not read


def test_the_default_bridges_own_options_parse():
    opts = parse(default_bridge_options("dockyard0"))
    assert (opts.name, opts.icc, opts.masquerade, opts.mtu, opts.host_binding_ip, opts.default_bridge) == \
        ("dockyard0", True, True, 1500, "0.0.0.0", True)


@pytest.mark.parametrize("text, value", [("1", True), ("t", True), ("TRUE", True), ("True", True),
                                         ("0", False), ("F", False), ("false", False)])
def test_booleans_follow_go_parsebool(text, value):
    assert parse({bridge_options.ICC: text}).icc is value
    assert parse({bridge_options.MASQUERADE: text}).masquerade is value


@pytest.mark.parametrize("options, message", [
    ({bridge_options.ICC: "yes"}, 'failed to parse com.docker.network.bridge.enable_icc value: yes '
                                  '(strconv.ParseBool: parsing "yes": invalid syntax)'),
    ({bridge_options.MTU: "1e3"}, 'failed to parse com.docker.network.driver.mtu value: 1e3 '
                                  '(strconv.Atoi: parsing "1e3": invalid syntax)'),
    ({bridge_options.MTU: ""}, 'failed to parse com.docker.network.driver.mtu value:  '
                               '(strconv.Atoi: parsing "": invalid syntax)'),
    ({bridge_options.MTU: "40"}, "invalid MTU number: 40"),
    ({bridge_options.HOST_BINDING: "1.2.3"}, "failed to parse com.docker.network.bridge.host_binding_ipv4 "
                                             "value: 1.2.3 (nil ip)"),
    ({bridge_options.ENABLE_IPV6: "on"}, 'failed to parse com.docker.network.enable_ipv6 value: on '
                                         '(strconv.ParseBool: parsing "on": invalid syntax)'),
])
def test_bad_values_are_refused_with_dockerds_message(options, message):
    with pytest.raises(InvalidArgument) as err:
        parse(options)
    assert str(err.value) == message


def test_mtu_zero_means_the_default_and_a_sign_is_allowed_as_atoi_allows_it():
    assert parse({bridge_options.MTU: "0"}).mtu == 1500
    assert parse({bridge_options.MTU: "+1400"}).mtu == 1400
