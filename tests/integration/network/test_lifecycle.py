"""Real kernel: restart/crash reconciliation, connect/disconnect while running, internal
networks, fixed addresses, and clean-up leaving nothing behind."""

import os
import subprocess

import pytest

from dockyard.errors import Forbidden
from dockyard.network import admin
from tests.integration.network.conftest import BUSYBOX, eventually, in_netns

pytestmark = pytest.mark.root


def _host_links():
    return subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout


def _rules():
    return subprocess.run(["iptables-save"], capture_output=True, text=True).stdout


def _ping(path, target):
    """One echo answered within a few tries: under load the first (ARP, a new bridge port) can
    take longer than ping's own one-second wait."""
    return eventually(lambda: in_netns(path, BUSYBOX, "ping", "-c", "1", "-W", "1", target,
                                       check=False).returncode == 0, timeout=10.0)


def test_reconcile_after_a_crash_keeps_running_and_drops_the_rest(make_service, loop, roots):
    first = make_service()
    loop.run(first.reconcile())
    loop.run(admin.create_network(first, {"Name": "keep"}))
    gone_ns = loop.run(first.create_netns("gone"))
    kept_ns = loop.run(first.create_netns("kept"))
    gone = loop.run(first.connect("gone", gone_ns, "keep", {}, "gone", "gone"))
    kept = loop.run(first.connect("kept", kept_ns, "keep", {}, "kept", "kept"))
    loop.run(first.publish("gone", {"80/tcp": [{"HostPort": "18931"}]}, None))
    loop.run(first.publish("kept", {"80/tcp": [{"HostPort": "18932"}]}, None))
    gone_veth = "dy" + gone["EndpointID"][:11]
    kept_veth = "dy" + kept["EndpointID"][:11]
    loop.run(first.close())  # the daemon dies: proxies gone, kernel state left behind

    second = make_service()
    loop.run(second.reconcile(running=["kept"]))
    loop.run(second.settle())
    links = _host_links()
    assert gone_veth not in links and kept_veth in links
    assert not os.path.exists(gone_ns) and os.path.exists(kept_ns)
    rules = _rules()
    assert "--dport 18931" not in rules and "--dport 18932" in rules
    assert _ping(kept_ns, kept["Gateway"])
    # the kept container's proxy is back on its host port
    ports = second.settings("kept")["Ports"]
    assert "18932" in [b["HostPort"] for bindings in ports.values() for b in bindings or []]
    # addresses persisted: a new container does not get the kept one's address
    again_ns = loop.run(second.create_netns("again"))
    again = loop.run(second.connect("again", again_ns, "keep", {}, "again", "again"))
    assert again["IPAddress"] != kept["IPAddress"]
    loop.run(second.release("again"))
    loop.run(second.release("kept"))
    assert eventually(lambda: kept_veth not in _host_links())


def test_an_allocation_whose_sandbox_record_was_lost_is_freed_at_reconcile(make_service, loop, roots):
    """Allocations are run state written without fsync: after a power loss the network's record
    may keep an address whose sandbox record is gone; the next start frees it."""
    first = make_service()
    loop.run(first.reconcile())
    loop.run(admin.create_network(first, {"Name": "lossy", "IPAM": {"Config": [{"Subnet": "10.213.7.0/24"}]}}))
    path = loop.run(first.create_netns("lost"))
    lost = loop.run(first.connect("lost", path, "lossy", {"IPAMConfig": {"IPv4Address": "10.213.7.9"}},
                                  "lost", "lost"))
    assert lost["IPAddress"] == "10.213.7.9"
    loop.run(first.close())
    os.unlink(os.path.join(first.sandbox_store.directory, "lost.json"))   # what a power loss dropped

    second = make_service()
    loop.run(second.reconcile())
    again_ns = loop.run(second.create_netns("again"))
    again = loop.run(second.connect("again", again_ns, "lossy", {"IPAMConfig": {"IPv4Address": "10.213.7.9"}},
                                    "again", "again"))
    assert again["IPAddress"] == "10.213.7.9"
    loop.run(second.release("again"))
    loop.run(second.release("lost"))


def test_connect_and_disconnect_a_running_container(make_service, loop):
    svc = make_service()
    loop.run(svc.reconcile())
    loop.run(admin.create_network(svc, {"Name": "extra", "IPAM": {"Config": [{"Subnet": "10.213.9.0/24"}]}}))
    path = loop.run(svc.create_netns("cc"))
    loop.run(svc.connect("cc", path, "bridge", {}, "cc", "cc"))
    extra = loop.run(svc.connect("cc", path, "extra", {"IPAMConfig": {"IPv4Address": "10.213.9.50"}}, "cc", "cc"))
    assert extra["IPAddress"] == "10.213.9.50"
    addrs = in_netns(path, "ip", "-o", "-4", "addr").stdout
    assert "eth1" in addrs and "10.213.9.50/24" in addrs
    route = in_netns(path, "ip", "route").stdout
    assert route.count("default") == 1  # the first network keeps the default route
    with pytest.raises(Forbidden, match="already exists in network extra"):
        loop.run(svc.connect("cc", path, "extra", {}, "cc", "cc"))
    with pytest.raises(Forbidden, match="has active endpoints"):
        loop.run(admin.remove_network(svc, "extra"))
    loop.run(svc.disconnect("cc", "extra"))
    assert "eth1" not in in_netns(path, "ip", "-o", "link").stdout
    loop.run(svc.disconnect("cc", "bridge"))
    assert "eth0" not in in_netns(path, "ip", "-o", "link").stdout
    loop.run(admin.remove_network(svc, "extra"))
    loop.run(svc.release("cc"))


def test_internal_network_has_no_default_route_and_no_nat(make_service, loop):
    svc = make_service()
    loop.run(svc.reconcile())
    loop.run(admin.create_network(svc, {"Name": "secret", "Internal": True}))
    net = admin.inspect_network(svc, "secret")
    subnet = net["IPAM"]["Config"][0]["Subnet"]
    a = loop.run(svc.create_netns("ia"))
    b = loop.run(svc.create_netns("ib"))
    sa = loop.run(svc.connect("ia", a, "secret", {}, "ia", "ia"))
    loop.run(svc.connect("ib", b, "secret", {}, "ib", "ib"))
    assert "default" not in in_netns(a, "ip", "route").stdout
    assert _ping(b, sa["IPAddress"])  # members still talk to each other
    post = svc.firewall.chains.postrouting
    ours = [r for r in _rules().splitlines() if r.startswith(f"-A {post} ")]
    assert ours and not [r for r in ours if f"-s {subnet} " in r]  # no masquerade for it
    assert set(admin.inspect_network(svc, "secret")["Containers"]) == {"ia", "ib"}
    loop.run(svc.release("ia"))
    loop.run(svc.release("ib"))


def test_teardown_leaves_nothing(make_service, loop, roots):
    svc = make_service(bridge="dyt9")
    loop.run(svc.reconcile())
    loop.run(admin.create_network(svc, {"Name": "tmpnet"}))
    path = loop.run(svc.create_netns("t1"))
    veth = "dy" + loop.run(svc.connect("t1", path, "tmpnet", {}, "t1", "t1"))["EndpointID"][:11]
    loop.run(svc.publish("t1", {"80/tcp": [{"HostPort": ""}]}, None))
    bridge = svc.registry.lookup("tmpnet").bridge
    loop.run(svc.teardown())
    assert eventually(lambda: not {"dyt9:", f"{bridge}:"} & set(_host_links().split()))
    assert eventually(lambda: veth not in _host_links())
    assert svc.firewall.chains.forward not in _rules()
    assert os.listdir(roots / "exec" / "netns") == []
