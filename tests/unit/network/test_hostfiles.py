import pytest

from dockyard.errors import InvalidArgument
from dockyard.network import hostfiles

HOST = """# generated
nameserver 127.0.0.53
nameserver 10.0.0.2
search corp.example
options edns0 trust-ad
"""


def test_default_bridge_drops_loopback_resolvers():
    assert hostfiles.resolv_conf(HOST) == (
        "nameserver 10.0.0.2\nsearch corp.example\noptions edns0 trust-ad\n")


def test_only_loopback_resolvers_fall_back_to_public_ones_in_the_file():
    text = hostfiles.resolv_conf("nameserver 127.0.0.53\n")
    assert text == "nameserver 8.8.8.8\nnameserver 8.8.4.4\n"


def test_user_network_uses_the_embedded_dns():
    text = hostfiles.resolv_conf(HOST, embedded="172.18.0.1")
    assert text == "nameserver 172.18.0.1\nsearch corp.example\noptions edns0 trust-ad ndots:0\n"
    assert hostfiles.forward_servers(HOST) == ["127.0.0.53", "10.0.0.2"]
    assert hostfiles.forward_servers(HOST, ["1.1.1.1"]) == ["1.1.1.1"]


def test_dns_flags_override_the_host():
    text = hostfiles.resolv_conf(HOST, dns=["9.9.9.9"], dns_search=["a.test", "b.test"],
                                 dns_options=["ndots:2"])
    assert text == "nameserver 9.9.9.9\nsearch a.test b.test\noptions ndots:2\n"
    assert "search" not in hostfiles.resolv_conf(HOST, dns_search=["."])


def test_hosts_file_with_extra_hosts_and_domain():
    text = hostfiles.hosts_file("web", "example.test", ["172.17.0.2"],
                                ["db:10.0.0.9", "gw=host-gateway"], host_gateway="172.17.0.1")
    assert text.startswith("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n")
    assert text.endswith("10.0.0.9\tdb\n172.17.0.1\tgw\n172.17.0.2\tweb.example.test web\n")


def test_bad_extra_hosts():
    with pytest.raises(InvalidArgument):
        hostfiles.hosts_file("h", extra_hosts=["nocolon"])
    with pytest.raises(InvalidArgument):
        hostfiles.hosts_file("h", extra_hosts=["x:notanip"])
    with pytest.raises(InvalidArgument, match="host-gateway"):
        hostfiles.hosts_file("h", extra_hosts=["x:host-gateway"])
