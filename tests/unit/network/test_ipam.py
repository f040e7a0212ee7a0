from ipaddress import IPv4Address, IPv4Network

import pytest
from hypothesis import given, strategies as st

from dockyard.errors import Conflict, Forbidden, InvalidArgument
from dockyard.network import ipam
from dockyard.network.ipam import Pool


def test_default_bridge_subnet_is_172_17_unless_taken():
    candidates = [ipam.DEFAULT_BRIDGE_POOL, *ipam.default_pools()]
    assert ipam.choose_subnet(candidates, []) == IPv4Network("172.17.0.0/16")
    docker0 = IPv4Network("172.17.0.0/16")
    assert ipam.choose_subnet(candidates, [docker0]) == IPv4Network("172.18.0.0/16")


def test_pools_skip_overlapping_routes_then_use_192_168_slices():
    taken = [IPv4Network("172.16.0.0/12")]  # a route covering all of 172.17-31
    assert ipam.choose_subnet(ipam.default_pools(), taken) == IPv4Network("192.168.0.0/24")
    taken.append(IPv4Network("192.168.0.0/23"))
    assert ipam.choose_subnet(ipam.default_pools(), taken) == IPv4Network("192.168.2.0/24")


def test_pools_exhausted():
    with pytest.raises(Forbidden, match="non-overlapping"):
        ipam.choose_subnet(ipam.default_pools(), [IPv4Network("0.0.0.0/0")])


def test_allocation_skips_network_gateway_broadcast_and_never_repeats():
    pool = Pool.configure("10.1.0.0/29")
    got = [str(pool.allocate(f"e{i}")) for i in range(5)]
    assert got == ["10.1.0.2", "10.1.0.3", "10.1.0.4", "10.1.0.5", "10.1.0.6"]
    with pytest.raises(Conflict, match="no available IPv4 addresses"):
        pool.allocate("e9")


def test_released_address_is_not_reused_at_once():
    pool = Pool.configure("10.1.0.0/24")
    first = pool.allocate("a")
    pool.release(str(first))
    assert pool.allocate("b") != first


def test_requested_address_gateway_and_ip_range():
    pool = Pool.configure("10.2.0.0/16", gateway="10.2.0.254", ip_range="10.2.5.0/24")
    assert pool.gateway == IPv4Address("10.2.0.254")
    assert [str(pool.allocate(o)) for o in "ax"] == ["10.2.5.0", "10.2.5.1"]  # from the range
    assert str(pool.allocate("b", "10.2.9.9")) == "10.2.9.9"
    with pytest.raises(Conflict, match="address already in use"):
        pool.allocate("c", "10.2.9.9")
    with pytest.raises(InvalidArgument):
        pool.allocate("c", "10.3.0.1")
    with pytest.raises(InvalidArgument):
        pool.allocate("c", "10.2.0.254")  # the gateway


def test_bad_configurations():
    with pytest.raises(InvalidArgument, match="no matching subnet for gateway"):
        Pool.configure("10.0.0.0/24", gateway="10.0.1.1")
    with pytest.raises(InvalidArgument, match="ip-range"):
        Pool.configure("10.0.0.0/24", ip_range="10.0.1.0/25")
    with pytest.raises(InvalidArgument):
        Pool.configure("not-a-subnet")
    with pytest.raises(InvalidArgument):
        Pool.configure("fd00::/64")


def test_record_round_trip_keeps_allocations_and_cursor():
    pool = Pool.configure("10.9.0.0/24", ip_range="10.9.0.128/25")
    pool.allocate("a")
    pool.allocate("b", "10.9.0.7")
    again = Pool.from_record(pool.to_record())
    assert again == pool
    assert again.allocate("c") not in (IPv4Address("10.9.0.7"),)


def test_mac_is_derived_from_ip_like_docker():
    assert ipam.mac_for(IPv4Address("172.17.0.2")) == "02:42:ac:11:00:02"


@given(st.lists(st.sampled_from(["alloc", "release"]), max_size=80), st.randoms())
def test_never_hands_out_an_address_twice(ops, rnd):
    pool = Pool.configure("10.5.0.0/27")
    live: dict[str, str] = {}
    for i, op in enumerate(ops):
        if op == "alloc":
            try:
                addr = str(pool.allocate(f"o{i}"))
            except Conflict:
                assert len(live) == 29
                continue
            assert addr not in live
            live[addr] = f"o{i}"
        elif live:
            addr = rnd.choice(sorted(live))
            pool.release(addr)
            del live[addr]


def test_configured_address_pools_replace_dockers_defaults_for_bridge_and_networks():
    pools = [ipam.parse_address_pool("base=10.123.0.0/16,size=24"), ("10.9.0.0/30", 30)]
    assert pools[0] == ("10.123.0.0/16", 24)
    candidates = ipam.default_pools(pools)
    assert [str(s) for s in candidates[:2]] == ["10.123.0.0/24", "10.123.1.0/24"] and len(candidates) == 257
    assert ipam.bridge_pools(pools) == candidates
    assert str(ipam.bridge_pools()[0]) == "172.17.0.0/16" and str(ipam.default_pools()[0]) == "172.18.0.0/16"


@pytest.mark.parametrize("spec", ["base=10.0.0.0/16", "size=24", "base=10.0.0.0/16,size=8",
                                  "base=nonsense,size=24", "base=10.0.0.0/16,size=24,x=1"])
def test_bad_address_pools_are_refused(spec):
    with pytest.raises(InvalidArgument, match="invalid default address pool"):
        ipam.parse_address_pool(spec)
