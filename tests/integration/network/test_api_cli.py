"""The /networks routes served over a unix socket, driven by the real docker CLI."""

import asyncio
import json
import subprocess

import pytest

from dockyard.api import networks, system
from dockyard.api.app import Application, base_headers
from dockyard.api.server import Connection
from dockyard.daemon.config import DaemonConfig
from dockyard.errors import NotFound
from dockyard.events.journal import EventJournal
from dockyard.network.container_lookup import ContainerRef
from tests.integration.network.conftest import in_netns
from tests.support.services import services_with

pytestmark = pytest.mark.root


class Containers:
    """The containers networking may look up (`network.container_lookup.ContainerLookup`)."""

    def __init__(self, known: dict[str, ContainerRef]):
        self.known = known

    def network_ref(self, ref: str) -> ContainerRef:
        if ref not in self.known:
            raise NotFound(f"No such container: {ref}")
        return self.known[ref]


@pytest.fixture
def api(make_service, loop, roots):
    """(docker runner, service, containers by name) for a served Application."""
    containers: dict[str, ContainerRef] = {}
    svc = make_service(containers=Containers(containers))
    loop.run(svc.reconcile())
    events = EventJournal(roots / "events.jsonl")
    services = services_with(config=DaemonConfig(), events=events, networks=svc)
    svc.events = events
    app = Application([*system.routes(services), *networks.routes(services)])
    sock = str(roots / "api.sock")

    async def start():
        async def handle(reader, writer):
            await Connection(reader, writer, app.dispatch, base_headers).serve()

        return await asyncio.start_unix_server(handle, sock)

    server = loop.run(start())

    def docker(*args, check=True):
        proc = subprocess.run(["docker", "-H", f"unix://{sock}", *args], capture_output=True,
                              text=True, timeout=30)
        if check:
            assert proc.returncode == 0, proc.stderr
        return proc

    yield docker, svc, containers, events
    loop.loop.call_soon_threadsafe(server.close)
    events.close()


def test_network_commands_through_the_docker_cli(api, loop):
    docker, svc, containers, events = api
    net_id = docker("network", "create", "--subnet", "10.213.20.0/24", "--gateway", "10.213.20.254",
                    "--label", "team=blue", "mynet").stdout.strip()
    assert len(net_id) == 64
    dup = docker("network", "create", "mynet", check=False)
    assert dup.returncode != 0 and "network with name mynet already exists" in dup.stderr
    names = docker("network", "ls", "--format", "{{.Name}} {{.Driver}} {{.Scope}}").stdout.split("\n")
    assert {"bridge bridge local", "host host local", "none null local", "mynet bridge local"} <= set(names)
    assert docker("network", "ls", "-q", "--filter", "label=team=blue").stdout.strip() == net_id[:12]
    inspect = json.loads(docker("network", "inspect", "mynet").stdout)[0]
    assert inspect["IPAM"]["Config"] == [{"Subnet": "10.213.20.0/24", "Gateway": "10.213.20.254"}]
    assert inspect["Labels"] == {"team": "blue"} and inspect["Driver"] == "bridge"

    # connect a running "container" (a netns) with an alias and a fixed address
    path = loop.run(svc.create_netns("c" * 64))
    containers["t2"] = ContainerRef("c" * 64, "t2", "t2host", path)
    docker("network", "connect", "--alias", "web", "--ip", "10.213.20.7", "mynet", "t2")
    assert "10.213.20.7/24" in in_netns(path, "ip", "-o", "-4", "addr").stdout
    inspect = json.loads(docker("network", "inspect", "mynet").stdout)[0]
    assert inspect["Containers"]["c" * 64]["IPv4Address"] == "10.213.20.7/24"
    busy = docker("network", "rm", "mynet", check=False)
    assert busy.returncode != 0 and "has active endpoints" in busy.stderr
    docker("network", "disconnect", "mynet", "t2")
    assert "10.213.20.7" not in in_netns(path, "ip", "-o", "-4", "addr").stdout

    builtin = docker("network", "rm", "bridge", check=False)
    assert "bridge is a pre-defined network and cannot be removed" in builtin.stderr
    missing = docker("network", "inspect", "nope", check=False)
    assert missing.returncode != 0 and "network nope not found" in missing.stderr.lower()
    docker("network", "rm", "mynet")
    docker("network", "create", "spare")
    pruned = docker("network", "prune", "-f").stdout
    assert "spare" in pruned
    assert "spare" not in docker("network", "ls").stdout

    actions = [(e.action, e.attributes.get("name")) for e in events._recent if e.type == "network"]
    assert actions == [("create", "mynet"), ("connect", "mynet"), ("disconnect", "mynet"),
                       ("destroy", "mynet"), ("create", "spare"), ("destroy", "spare")]
    loop.run(svc.release("c" * 64))


def test_network_calls_through_docker_py(api, roots):
    import docker

    _, svc, _, _ = api
    client = docker.DockerClient(base_url=f"unix://{roots / 'api.sock'}")
    net = client.networks.create("pynet", driver="bridge", internal=True, labels={"k": "v"},
                                 ipam=docker.types.IPAMConfig(pool_configs=[
                                     docker.types.IPAMPool(subnet="10.213.30.0/24", iprange="10.213.30.128/25")]))
    assert net.attrs["Internal"] is True and net.attrs["Labels"] == {"k": "v"}
    assert net.attrs["IPAM"]["Config"][0]["IPRange"] == "10.213.30.128/25"
    assert [n.name for n in client.networks.list(names=["pynet"])] == ["pynet"]
    assert {n.name for n in client.networks.list(filters={"type": "builtin"})} == {"bridge", "host", "none"}
    assert client.networks.get(net.id[:10]).name == "pynet"
    with pytest.raises(docker.errors.NotFound):
        client.networks.get("nosuch")
    assert client.networks.prune(filters={"label": "k=other"})["NetworksDeleted"] is None
    assert client.networks.prune(filters={"label": "k=v"})["NetworksDeleted"] == ["pynet"]
