"""Real kernel: netns "containers" on the default bridge and on user-defined networks."""

import subprocess

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
