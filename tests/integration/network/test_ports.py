"""Real kernel: published ports reach a busybox httpd in a netns through the userland proxy
(host loopback) and through DNAT (from a third netns acting as another host)."""

import socket
import subprocess
import time

import pytest

from dockyard.errors import Conflict
from tests.integration.network.conftest import BUSYBOX, in_netns

pytestmark = pytest.mark.root

PAGE = "hello from the container\n"


def _serve(base, path, procs):
    www = base / "www"
    www.mkdir()
    (www / "index.html").write_text(PAGE)
    procs(path, BUSYBOX, "httpd", "-f", "-p", "80", "-h", str(www))
    for _ in range(100):
        if ":80 " in in_netns(path, BUSYBOX, "netstat", "-ltn").stdout:
            return
        time.sleep(0.02)
    raise AssertionError("httpd did not start")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url, netns=None):
    argv = ["curl", "-s", "--max-time", "5", url]
    if netns:
        return in_netns(netns, *argv, check=False).stdout
    return subprocess.run(argv, capture_output=True, text=True, timeout=10).stdout


@pytest.fixture
def other_host():
    """A netns joined to the host by a veth: 10.213.7.2 there, 10.213.7.1 on the host."""
    ns = "dyt-otherhost"
    subprocess.run(["ip", "netns", "add", ns], check=True)
    cmds = [
        ["ip", "link", "add", "dyt-oh0", "type", "veth", "peer", "name", "dyt-oh1", "netns", ns],
        ["ip", "addr", "add", "10.213.7.1/30", "dev", "dyt-oh0"],
        ["ip", "link", "set", "dyt-oh0", "up"],
        ["ip", "-n", ns, "addr", "add", "10.213.7.2/30", "dev", "dyt-oh1"],
        ["ip", "-n", ns, "link", "set", "dyt-oh1", "up"],
        ["ip", "-n", ns, "link", "set", "lo", "up"],
    ]
    try:
        for cmd in cmds:
            subprocess.run(cmd, check=True)
        yield f"/run/netns/{ns}"
    finally:
        subprocess.run(["ip", "link", "del", "dyt-oh0"], capture_output=True)
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def test_published_port_via_proxy_and_dnat(make_service, loop, procs, roots, other_host):
    svc = make_service()
    loop.run(svc.reconcile())
    path = loop.run(svc.create_netns("web"))
    loop.run(svc.connect("web", path, "bridge", {}, "web", "web"))
    _serve(roots, path, procs)
    host_port = _free_port()
    ports = loop.run(svc.publish("web", {"80/tcp": [{"HostIp": "", "HostPort": str(host_port)}]},
                                 {"80/tcp": {}}, False))
    assert ports == {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": str(host_port)}]}
    assert _get(f"http://127.0.0.1:{host_port}/") == PAGE  # userland proxy
    assert _get(f"http://10.213.7.1:{host_port}/", netns=other_host) == PAGE  # DNAT
    rules = subprocess.run(["iptables-save", "-t", "nat"], capture_output=True, text=True).stdout
    assert f"--dport {host_port} -j DNAT" in rules

    # the port is taken while published
    other = loop.run(svc.create_netns("web2"))
    loop.run(svc.connect("web2", other, "bridge", {}, "web2", "web2"))
    with pytest.raises(Conflict, match=f"Bind for 0.0.0.0:{host_port} failed: port is already allocated"):
        loop.run(svc.publish("web2", {"80/tcp": [{"HostIp": "", "HostPort": str(host_port)}]}, None))

    loop.run(svc.release("web"))
    loop.run(svc.release("web2"))
    loop.run(svc.settle())
    rules = subprocess.run(["iptables-save", "-t", "nat"], capture_output=True, text=True).stdout
    assert f"--dport {host_port}" not in rules
    with socket.socket() as s:  # the host port is free again (TIME_WAIT aside)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("0.0.0.0", host_port))
        s.listen()


def test_publish_all_and_loopback_only(make_service, loop, procs, roots):
    svc = make_service()
    loop.run(svc.reconcile())
    path = loop.run(svc.create_netns("pa"))
    loop.run(svc.connect("pa", path, "bridge", {}, "pa", "pa"))
    _serve(roots, path, procs)
    ports = loop.run(svc.publish("pa", {}, {"80/tcp": {}, "53/udp": {}}, True))
    tcp = ports["80/tcp"][0]
    assert tcp["HostIp"] == "0.0.0.0" and int(tcp["HostPort"]) > 0
    assert ports["53/udp"][0]["HostPort"] != ""
    assert _get(f"http://127.0.0.1:{tcp['HostPort']}/") == PAGE
    loop.run(svc.unpublish("pa"))
    port = _free_port()
    ports = loop.run(svc.publish("pa", {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": str(port)}]}, None))
    assert ports["80/tcp"] == [{"HostIp": "127.0.0.1", "HostPort": str(port)}]
    assert _get(f"http://127.0.0.1:{port}/") == PAGE
    loop.run(svc.release("pa"))


UDP_ECHO = """
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 5353))
print("ready", flush=True)
while True:
    data, addr = s.recvfrom(2048)
    s.sendto(data.upper(), addr)
"""


def _udp_exchange(client: socket.socket, data: bytes, address, attempts: int = 10) -> bytes:
    """Send until answered: a datagram may be lost (a loaded machine, a proxy just started)."""
    for _ in range(attempts):
        client.sendto(data, address)
        try:
            return client.recvfrom(2048)[0]
        except TimeoutError:
            continue
    raise AssertionError(f"no answer to {data!r} from {address} after {attempts} datagrams")


def test_udp_port_through_the_proxy(make_service, loop, procs):
    import sys

    svc = make_service()
    loop.run(svc.reconcile())
    path = loop.run(svc.create_netns("udp"))
    loop.run(svc.connect("udp", path, "bridge", {}, "udp", "udp"))
    echo = subprocess.Popen(["nsenter", f"--net={path}", sys.executable, "-c", UDP_ECHO],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert echo.stdout.readline().strip() == "ready"
        ports = loop.run(svc.publish("udp", {"5353/udp": [{"HostIp": "127.0.0.1", "HostPort": ""}]}, None))
        port = int(ports["5353/udp"][0]["HostPort"])
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
            client.settimeout(3)
            for word in (b"ping", b"pong"):
                assert _udp_exchange(client, word, ("127.0.0.1", port)) == word.upper()
    finally:
        echo.kill()
        echo.wait()
    loop.run(svc.release("udp"))
