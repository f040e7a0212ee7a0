from pathlib import Path

import pytest

from dockyard.network.ipam import Pool
from dockyard.network.model import Endpoint
from dockyard.network.names import Names
from dockyard.network.registry import NetworkRegistry
from dockyard.network.sandbox import Sandbox
from dockyard.metadata.records import RecordStore


def _ep(net, cid, name, ip, aliases=()):
    return Endpoint(f"ep-{cid}-{net.name}", net.id, cid, name, f"h-{cid}", "eth0", None, ip, 24,
                    None, "", list(aliases))


@pytest.fixture
def names(tmp_path):
    reg = NetworkRegistry(RecordStore(tmp_path / "n"))
    front = reg.plan_user_network({"Name": "front"}, [])
    reg.save(front)
    back = reg.plan_user_network({"Name": "back", "Internal": True}, [])
    reg.save(back)
    bridge = reg.builtin("bridge", bridge="dy0", pool=Pool.configure("172.17.0.0/16"))
    sandboxes = {
        "web": Sandbox("web", "/x", {front.id: _ep(front, "web", "web", "10.0.1.2"),
                                     back.id: _ep(back, "web", "web", "10.0.2.2")}),
        "db": Sandbox("db", "/y", {back.id: _ep(back, "db", "db", "10.0.2.3", ["database"])}),
        "db2": Sandbox("db2", "/z", {back.id: _ep(back, "db2", "db2", "10.0.2.4", ["database"])}),
        "lb": Sandbox("lb", "/w", {front.id: _ep(front, "lb", "lb", "10.0.1.3")}),
        "old": Sandbox("old", "/v", {bridge.id: _ep(bridge, "old", "old", "172.17.0.2")}),
    }
    resolv = tmp_path / "resolv.conf"
    resolv.write_text("nameserver 127.0.0.53\nnameserver 10.0.0.2\n")
    return Names(reg, sandboxes, resolv, Path("/nonexistent")), front, back


def test_names_resolve_within_the_clients_networks_only(names):
    n, front, back = names
    assert n.resolve(front.id, "10.0.1.3", "web") == ["10.0.1.2"]
    assert n.resolve(front.id, "10.0.1.3", "db") is None  # lb is not on back: forwarded
    # web is on both networks, so it sees back's aliases (all replicas) through front's server
    assert sorted(n.resolve(front.id, "10.0.1.2", "DATABASE.")) == ["10.0.2.3", "10.0.2.4"]
    assert n.resolve(back.id, "10.0.2.3", "web.back") == ["10.0.2.2"]
    assert n.resolve(back.id, "10.0.2.3", "web.front") is None
    assert n.resolve(back.id, "10.0.2.3", "db2") == ["10.0.2.4"]
    assert n.resolve(front.id, "10.0.1.3", "h-web") == ["10.0.1.2"]  # hostname


def test_links_on_user_networks_are_names_only_the_linking_container_resolves(names):
    n, front, back = names
    n.sandboxes["web"].endpoints[back.id].links = ["db2:store", "/db"]
    assert n.resolve(back.id, "10.0.2.2", "STORE") == ["10.0.2.4"]
    assert n.resolve(back.id, "10.0.2.2", "db") == ["10.0.2.3"]  # a link without alias: the name itself
    assert n.resolve(back.id, "10.0.2.3", "store") is None  # db has no such link
    assert n.sandboxes["web"].endpoints[back.id].settings(True)["Links"] == ["db2:store", "/db"]


def test_strangers_get_nothing_and_internal_networks_do_not_forward(names):
    n, front, back = names
    assert n.resolve(front.id, "10.0.2.3", "web") == []  # db asks front's server: not a member
    assert n.upstreams(back.id, "10.0.2.3") == []
    assert n.upstreams(front.id, "10.0.1.3") == [("127.0.0.53", 53), ("10.0.0.2", 53)]
    n.sandboxes["lb"].dns = ["9.9.9.9"]
    assert n.upstreams(front.id, "10.0.1.3") == [("9.9.9.9", 53)]


def test_resolv_conf_and_hosts_by_mode(names):
    n, front, _ = names
    assert n.resolv_conf("lb", "front").startswith(f"nameserver {front.pool.gateway}\n")
    assert n.resolv_conf("old", "bridge") == "nameserver 10.0.0.2\n"
    assert n.resolv_conf("x", "host") == "nameserver 127.0.0.53\nnameserver 10.0.0.2\n"
    hosts = n.hosts_file("web", "web", extra_hosts=["gw:host-gateway"])
    assert "10.0.1.2\tweb\n" in hosts and "10.0.2.2\tweb\n" in hosts
    assert "172.17.0.1\tgw\n" in hosts
