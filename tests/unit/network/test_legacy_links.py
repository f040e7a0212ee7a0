"""Legacy links' environment, hosts names and normalized form, as dockerd 20.10 writes them."""

import pytest

from dockyard.network.legacy_links import hosts_names, link_env, parse_link
from dockyard.errors import InvalidArgument


def test_link_specs_in_their_three_forms():
    assert parse_link("db:alias").normalized("web") == "/db:/web/alias"
    assert parse_link("db").alias == "db" and parse_link("/db:/web/alias") == parse_link("db:alias")
    with pytest.raises(InvalidArgument):
        parse_link(":alias")


def test_environment_as_dockerd_makes_it():
    env = link_env(parse_link("l1:my-link"), "l3", "10.0.0.2", ["80/tcp", "53/udp"], ["PATH=/bin", "HOME=/", "FOO=1"])
    assert env == ["MY_LINK_PORT=udp://10.0.0.2:53",                       # the lowest port
                   "MY_LINK_PORT_53_UDP=udp://10.0.0.2:53", "MY_LINK_PORT_53_UDP_ADDR=10.0.0.2",
                   "MY_LINK_PORT_53_UDP_PORT=53", "MY_LINK_PORT_53_UDP_PROTO=udp",
                   "MY_LINK_PORT_80_TCP=tcp://10.0.0.2:80", "MY_LINK_PORT_80_TCP_ADDR=10.0.0.2",
                   "MY_LINK_PORT_80_TCP_PORT=80", "MY_LINK_PORT_80_TCP_PROTO=tcp",
                   "MY_LINK_NAME=/l3/my-link", "MY_LINK_ENV_FOO=1"]       # not HOME, not PATH
    ranged = link_env(parse_link("r:a"), "b", "1.2.3.4", ["80/tcp", "81/tcp", "82/tcp"], [])
    assert ranged[1:7] == ["A_PORT_80_TCP_START=tcp://1.2.3.4:80", "A_PORT_80_TCP_ADDR=1.2.3.4", "A_PORT_80_TCP_PROTO=tcp",
                           "A_PORT_80_TCP_PORT_START=80", "A_PORT_80_TCP_END=tcp://1.2.3.4:82", "A_PORT_80_TCP_PORT_END=82"]


def test_hosts_names():
    assert hosts_names(parse_link("l1:mylink1"), "3f3ee44d8cd2") == "mylink1 3f3ee44d8cd2 l1"
    assert hosts_names(parse_link("l2"), "740960e581b7") == "l2 740960e581b7"
