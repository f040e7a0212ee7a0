from ipaddress import IPv4Network

import pytest

from dockyard.errors import Conflict, Forbidden, InvalidArgument, NotFound
from dockyard.network.model import check_filters, matches_filters, parse_network_mode
from dockyard.network.registry import NetworkRegistry
from dockyard.metadata.records import RecordStore


@pytest.fixture
def registry(tmp_path):
    reg = NetworkRegistry(RecordStore(tmp_path))
    reg.builtin("none")
    return reg


def test_network_modes():
    assert parse_network_mode(None) == ("network", "bridge")
    assert parse_network_mode("default") == ("network", "bridge")
    assert parse_network_mode("host") == ("host", None)
    assert parse_network_mode("none") == ("none", None)
    assert parse_network_mode("container:abc") == ("container", "abc")
    assert parse_network_mode("mynet") == ("network", "mynet")
    with pytest.raises(InvalidArgument):
        parse_network_mode("container:")


def test_create_picks_a_free_pool_and_rejects_duplicates(registry):
    net = registry.plan_user_network({"Name": "n1"}, [IPv4Network("172.18.0.0/16")])
    assert str(net.pool.subnet) == "172.19.0.0/16" and str(net.pool.gateway) == "172.19.0.1"
    assert net.bridge == "dy-" + net.id[:12]
    registry.save(net)
    with pytest.raises(Conflict, match="network with name n1 already exists"):
        registry.plan_user_network({"Name": "n1"}, [])
    with pytest.raises(Forbidden, match="Pool overlaps"):
        registry.plan_user_network({"Name": "n2", "IPAM": {"Config": [{"Subnet": "172.19.3.0/24"}]}}, [])
    with pytest.raises(NotFound, match='plugin "overlay" not found'):
        registry.plan_user_network({"Name": "n3", "Driver": "overlay"}, [])


def test_lookup_by_name_id_and_prefix(registry, tmp_path):
    net = registry.plan_user_network(
        {"Name": "app", "Labels": {"a": "1"}, "Internal": True,
         "IPAM": {"Config": [{"Subnet": "10.7.0.0/24", "Gateway": "10.7.0.254", "IPRange": "10.7.0.128/25"}]}}, [])
    registry.save(net)
    assert registry.lookup("app") is net
    assert registry.lookup(net.id) is net
    assert registry.lookup(net.id[:5]) is net
    with pytest.raises(NotFound, match="network nope not found"):
        registry.lookup("nope")
    reloaded = NetworkRegistry(RecordStore(tmp_path))
    reloaded.load()
    again = reloaded.lookup("app")
    assert again.view() == net.view()
    assert again.view()["IPAM"]["Config"] == [
        {"Subnet": "10.7.0.0/24", "Gateway": "10.7.0.254", "IPRange": "10.7.0.128/25"}]
    assert again.internal and again.labels == {"a": "1"}


def test_list_filters(registry):
    net = registry.plan_user_network({"Name": "frontend", "Labels": {"tier": "web"}}, [])
    none = registry.by_name("none")
    assert matches_filters(net, {"name": ["front"]}, False)
    assert not matches_filters(net, {"name": ["back"]}, False)
    assert matches_filters(net, {"label": ["tier=web"]}, False)
    assert not matches_filters(net, {"label": ["tier=db"]}, False)
    assert matches_filters(net, {"driver": ["bridge"], "type": ["custom"]}, False)
    assert matches_filters(none, {"type": ["builtin"]}, False)
    assert matches_filters(net, {"dangling": ["true"]}, False)
    assert not matches_filters(net, {"dangling": ["true"]}, True)
    assert not matches_filters(none, {"dangling": ["true"]}, False)
    assert matches_filters(net, {"id": [net.id[:6]]}, False)
    with pytest.raises(InvalidArgument):
        check_filters({"type": ["weird"]})
