"""Real kernel: netns "containers" on the default bridge and on user-defined networks."""


import pytest

from tests.integration.network.conftest import BUSYBOX, in_netns

pytestmark = pytest.mark.root


def _links(path):
    return in_netns(path, "ip", "-o", "-4", "addr", "show").stdout


def test_default_bridge_gives_eth0_an_address_and_default_route(make_service, loop):
    svc = make_service()
    loop.run(svc.reconcile())
    path = loop.run(svc.create_netns("c1"))
    settings = loop.run(svc.connect("c1", path, "bridge", {}, "web", "c1host"))
    addrs = _links(path)
    assert f"eth0    inet {settings['IPAddress']}/{settings['IPPrefixLen']}" in " ".join(addrs.split("  ")) or \
        f"inet {settings['IPAddress']}/{settings['IPPrefixLen']}" in addrs
    assert "lo" in addrs
    route = in_netns(path, "ip", "route").stdout
    assert f"default via {settings['Gateway']} dev eth0" in route
    link = in_netns(path, "ip", "link", "show", "eth0").stdout
    assert settings["MacAddress"] in link
    assert settings["MacAddress"].startswith("02:42:")
    loop.run(svc.release("c1"))
    assert not (svc.exec_root / "netns" / "c1").exists()


def test_none_mode_has_only_loopback(make_service, loop):
    svc = make_service()
    loop.run(svc.reconcile())
    path = loop.run(svc.create_netns("n1"))
    settings = loop.run(svc.connect("n1", path, "none", {}, "nothing", "n1"))
    assert settings["IPAddress"] == ""
    names = in_netns(path, "ip", "-o", "link").stdout
    assert [line.split(":")[1].strip() for line in names.splitlines()] == ["lo"]
    assert "state UNKNOWN" in names or "UP" in names
    loop.run(svc.release("n1"))


def _ping(path, target, tries=3):
    """One echo answered within a few tries (a loaded machine may lose the first to ARP)."""
    return any(in_netns(path, BUSYBOX, "ping", "-c", "1", "-W", "1", target, check=False).returncode == 0
               for _ in range(tries))


def _lookup(path, name, server):
    out = in_netns(path, BUSYBOX, "nslookup", name, server, check=False)
    return out.stdout + out.stderr


def _net(svc, loop, name, **body):
    from dockyard.network import admin

    return loop.run(admin.create_network(svc, {"Name": name, **body}))["Id"]


def test_user_network_reach_by_name_and_alias(make_service, loop, fake_upstream):
    svc = make_service()
    loop.run(svc.reconcile())
    _net(svc, loop, "appnet")
    a = loop.run(svc.create_netns("ca"))
    b = loop.run(svc.create_netns("cb"))
    sa = loop.run(svc.connect("ca", a, "appnet", {"Aliases": ["db"]}, "/alpha", "ca"))
    sb = loop.run(svc.connect("cb", b, "appnet", {}, "/beta", "cb"))
    assert sa["Gateway"] == sb["Gateway"] and sa["IPAddress"] != sb["IPAddress"]
    assert _ping(b, sa["IPAddress"])
    gw = sa["Gateway"]
    out = _lookup(b, "alpha", gw)
    assert sa["IPAddress"] in out, out
    out = _lookup(b, "db", gw)
    assert sa["IPAddress"] in out, out
    out = _lookup(a, "beta.appnet", gw)
    assert sb["IPAddress"] in out, out
    out = _lookup(a, "nosuchname", gw)
    assert "NXDOMAIN" in out, out
    out = _lookup(a, "outside.test", gw)  # forwarded to the host's resolver
    assert "10.9.9.9" in out, out
    loop.run(svc.release("ca"))
    loop.run(svc.release("cb"))


def test_networks_are_isolated(make_service, loop):
    svc = make_service()
    loop.run(svc.reconcile())
    _net(svc, loop, "left")
    _net(svc, loop, "right")
    a = loop.run(svc.create_netns("il"))
    b = loop.run(svc.create_netns("ir"))
    sa = loop.run(svc.connect("il", a, "left", {}, "l1", "l1"))
    sb = loop.run(svc.connect("ir", b, "right", {}, "r1", "r1"))
    assert not _ping(a, sb["IPAddress"], tries=1)
    assert not _ping(b, sa["IPAddress"], tries=1)
    # names of another network do not resolve, even asking that network's server
    out = _lookup(b, "l1", sa["Gateway"])
    assert sa["IPAddress"] not in out
    out = _lookup(b, "l1", sb["Gateway"])
    assert sa["IPAddress"] not in out
    loop.run(svc.release("il"))
    loop.run(svc.release("ir"))


def test_default_bridge_skips_subnets_the_host_uses_and_honours_bip(make_service, loop):
    import ipaddress
    import subprocess

    subprocess.run(["ip", "link", "add", "dyt-dummy", "type", "bridge"], check=True)
    try:
        subprocess.run(["ip", "addr", "add", "172.17.0.1/16", "dev", "dyt-dummy"], check=True)
        svc = make_service(bridge="dyt1")
        loop.run(svc.reconcile())
        subnet = ipaddress.ip_network(svc.registry.lookup("bridge").view()["IPAM"]["Config"][0]["Subnet"])
        assert not subnet.overlaps(ipaddress.ip_network("172.17.0.0/16"))
        loop.run(svc.teardown())
    finally:
        subprocess.run(["ip", "link", "del", "dyt-dummy"], check=False)
    svc = make_service(bridge="dyt2", bip="10.213.40.1/24")
    loop.run(svc.reconcile())
    path = loop.run(svc.create_netns("bip"))
    settings = loop.run(svc.connect("bip", path, "bridge", {}, "bip", "bip"))
    assert (settings["Gateway"], settings["IPAddress"], settings["IPPrefixLen"]) == ("10.213.40.1", "10.213.40.2", 24)
    assert "10.213.40.1/24" in subprocess.run(["ip", "-o", "addr", "show", "dyt2"], capture_output=True, text=True).stdout
    loop.run(svc.release("bip"))
