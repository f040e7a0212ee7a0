"""The runner-facing adapter: a container record in, netns + endpoints + ports + files out."""

import pytest

from dockyard.containers.model import Container, State
from dockyard.errors import Conflict
from dockyard.network import admin
from dockyard.network.attach import ContainerNetworking
from tests.integration.network.conftest import in_netns

pytestmark = pytest.mark.root


def _container(cid, name, mode="default", **host):
    return Container(
        id=cid * 64, name=f"/{name}", created=0, image_id="sha256:x",
        config={"Hostname": name, "ExposedPorts": {"80/tcp": {}}},
        host_config={"NetworkMode": mode, **host},
        networking_config={"EndpointsConfig": {mode: {"Aliases": ["svc"]}}},
        state=State(status="running"),
    )


def test_setup_and_teardown_of_user_network_container(make_service, loop, roots):
    svc = make_service()
    loop.run(svc.reconcile())
    loop.run(admin.create_network(svc, {"Name": "proj"}))
    files = roots / "files"
    files.mkdir()
    web = _container("a", "web", "proj", PortBindings={"80/tcp": [{"HostPort": ""}]},
                     Dns=["10.0.0.53"], ExtraHosts=["gw:host-gateway"], Domainname="")
    net = ContainerNetworking(svc)
    settings = loop.run(net.setup(web, files))
    ep = settings["Networks"]["proj"]
    assert ep["Aliases"] == ["svc"] and "web" in ep["DNSNames"] and ep["IPAddress"]
    assert settings["Ports"]["80/tcp"][0]["HostPort"].isdigit()
    assert settings["SandboxKey"].endswith("/netns/" + web.id)
    assert f"inet {ep['IPAddress']}/" in in_netns(settings["SandboxKey"], "ip", "-o", "-4", "addr").stdout
    assert (files / "resolv.conf").read_text().startswith(f"nameserver {ep['Gateway']}\n")
    hosts = (files / "hosts").read_text()
    assert f"{ep['IPAddress']}\tweb\n" in hosts and f"{svc.names.host_gateway()}\tgw\n" in hosts

    web.network_settings = settings
    web.hosts_path, web.resolv_conf_path = str(files / "hosts"), str(files / "resolv.conf")
    side = _container("b", "side", "container:web")
    net.find_container = lambda ref: web if ref == "web" else None
    side_files = roots / "side"
    side_files.mkdir()
    assert loop.run(net.setup(side, side_files))["SandboxKey"] == settings["SandboxKey"]
    assert (side_files / "hosts").read_text() == hosts
    with pytest.raises(Conflict, match="non running container"):
        loop.run(net.setup(_container("c", "x", "container:nope"), side_files))

    loop.run(net.teardown(side))  # no-op: web owns the netns
    assert svc.settings(web.id)["Networks"]
    loop.run(net.teardown(web))
    assert svc.settings(web.id)["Networks"] == {}


def test_host_and_none_modes(make_service, loop, roots):
    svc = make_service()
    loop.run(svc.reconcile())
    net = ContainerNetworking(svc)
    files = roots / "f"
    files.mkdir()
    host = loop.run(net.setup(_container("h", "h", "host"), files))
    assert host["host_mode"] and host["SandboxKey"] == "" and "host" in host["Networks"]
    none = loop.run(net.setup(_container("n", "n", "none"), files))
    links = in_netns(none["SandboxKey"], "ip", "-o", "link").stdout
    assert [line.split(":")[1].strip() for line in links.splitlines()] == ["lo"]
    assert none["Networks"]["none"]["IPAddress"] == ""
    loop.run(net.teardown(_container("h", "h", "host")))
    loop.run(net.teardown(_container("n", "n", "none")))
