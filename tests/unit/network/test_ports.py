import pytest

from dockyard.errors import InvalidArgument
from dockyard.network.ports import Binding, bindings_from_api, parse_port_spec, ports_view


@pytest.mark.parametrize("spec, expected", [
    ("80", [("80/tcp", {"HostIp": "", "HostPort": ""})]),
    ("8080:80", [("80/tcp", {"HostIp": "", "HostPort": "8080"})]),
    ("127.0.0.1:8080:80/udp", [("80/udp", {"HostIp": "127.0.0.1", "HostPort": "8080"})]),
    ("127.0.0.1::80", [("80/tcp", {"HostIp": "127.0.0.1", "HostPort": ""})]),
    ("8000-8001:80-81", [("80/tcp", {"HostIp": "", "HostPort": "8000"}),
                         ("81/tcp", {"HostIp": "", "HostPort": "8001"})]),
    ("8000-8010:80", [("80/tcp", {"HostIp": "", "HostPort": "8000-8010"})]),
    ("[::1]:8080:80", [("80/tcp", {"HostIp": "::1", "HostPort": "8080"})]),
])
def test_parse_port_spec(spec, expected):
    assert parse_port_spec(spec) == expected


@pytest.mark.parametrize("spec", ["80/icmp", "a:b:c:d", "x:80", "8080:80-81:1", "300.1.1.1:80:80",
                                  "8001-8000:80", "8000-8002:80-81", "70000"])
def test_bad_port_specs(spec):
    with pytest.raises(InvalidArgument):
        parse_port_spec(spec)


def test_bindings_from_api_with_publish_all():
    bindings = bindings_from_api(
        {"80/tcp": [{"HostIp": "", "HostPort": "8080"}], "53/udp": [{"HostIp": "127.0.0.1", "HostPort": ""}]},
        {"80/tcp": {}, "443/tcp": {}, "53/udp": {}},
        True,
        "0.0.0.0",
    )
    assert bindings == [
        Binding("udp", 53, "127.0.0.1", (0, 0)),
        Binding("tcp", 80, "0.0.0.0", (8080, 8080)),
        Binding("tcp", 443, "0.0.0.0", (0, 0)),
    ]


def test_bindings_keep_host_port_ranges_and_exposed_only_is_not_published():
    assert bindings_from_api({"80/tcp": [{"HostPort": "8000-8010"}]}, None, False, "0.0.0.0") == [
        Binding("tcp", 80, "0.0.0.0", (8000, 8010))]
    assert bindings_from_api(None, {"80/tcp": {}}, False, "0.0.0.0") == []


def test_ports_view_has_null_for_unpublished():
    view = ports_view({"80/tcp": {}, "443/tcp": {}},
                      [{"key": "80/tcp", "HostIp": "0.0.0.0", "HostPort": 8080}])
    assert view == {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}], "443/tcp": None}
