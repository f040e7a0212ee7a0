"""Our `dockyard volume …` and `dockyard network …` round trips, compared with the real docker CLI."""

import json
import uuid

import pytest

pytestmark = pytest.mark.root


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_volume_round_trip(busybox):
    name = unique("vol")
    assert busybox.dockyard("volume", "create", "--label", "tier=db", name).stdout == f"{name}\n"
    for args in (["volume", "ls"], ["volume", "ls", "-q", "--filter", f"name={name}"],
                 ["volume", "ls", "--filter", "label=tier=db", "--format", "{{.Name}} {{.Labels}}"]):
        assert busybox.dockyard(*args).stdout == busybox.docker(*args).stdout
    [body] = json.loads(busybox.dockyard("volume", "inspect", name).stdout)
    assert body["Labels"] == {"tier": "db"} and body["Driver"] == "local"
    busybox.dockyard("run", "--rm", "-v", f"{name}:/data", "busybox", "sh", "-c", "echo kept > /data/f")
    assert busybox.dockyard("run", "--rm", "-v", f"{name}:/data", "busybox", "cat", "/data/f").stdout == "kept\n"
    user = unique("user")
    busybox.docker("create", "--name", user, "-v", f"{name}:/data", "busybox", "true")
    in_use = busybox.dockyard("volume", "rm", name, check=False)
    assert (in_use.returncode, in_use.stderr.split(" - ")[0]) == (1, busybox.docker(
        "volume", "rm", name, check=False).stderr.split(" - ")[0])
    busybox.docker("rm", user)
    assert busybox.dockyard("volume", "rm", name).stdout == f"{name}\n"
    missing = busybox.dockyard("volume", "rm", name, check=False)
    assert (missing.returncode, missing.stderr) == (1, busybox.docker("volume", "rm", name, check=False).stderr)
    anonymous = unique("anon")
    busybox.dockyard("run", "--name", anonymous, "-v", "/scratch", "busybox", "true")
    busybox.dockyard("rm", "-v", anonymous)
    spare = unique("spare")
    busybox.dockyard("volume", "create", spare)
    pruned = busybox.dockyard("volume", "prune", "-a", "-f").stdout
    assert pruned.startswith("Deleted Volumes:\n") and f"\n{spare}\n" in pruned


def test_network_round_trip(busybox):
    name, box = unique("net"), unique("box")
    net_id = busybox.dockyard("network", "create", "--subnet", "10.231.7.0/24", "--label", "k=v", name).stdout.strip()
    assert len(net_id) == 64
    busybox.docker("run", "-d", "--name", box, "busybox", "sleep", "60")
    try:
        for args in (["network", "ls"], ["network", "ls", "-q", "--filter", f"name={name}"],
                     ["network", "ls", "--no-trunc", "--format", "{{.ID}} {{.Name}} {{.Driver}} {{.Labels}}"]):
            assert busybox.dockyard(*args).stdout == busybox.docker(*args).stdout
        fmt = "{{.Name}} {{range .IPAM.Config}}{{.Subnet}}{{end}}"
        assert busybox.dockyard("network", "inspect", "-f", fmt, name).stdout == f"{name} 10.231.7.0/24\n"
        busybox.dockyard("network", "connect", "--alias", "site", "--ip", "10.231.7.9", name, box)
        addresses = busybox.docker("exec", box, "ip", "-4", "-o", "addr").stdout
        assert "10.231.7.9/24" in addresses
        reach = busybox.dockyard("run", "--rm", "--network", name, "busybox", "ping", "-c", "1", "-W", "3", "site")
        assert "10.231.7.9" in reach.stdout
        in_use = busybox.dockyard("network", "rm", name, check=False)
        theirs = busybox.docker("network", "rm", name, check=False).stderr.splitlines()[0]  # + "exit status 1"
        assert (in_use.returncode, in_use.stderr) == (1, theirs + "\n")
        busybox.dockyard("network", "disconnect", name, box)
        assert "10.231.7.9" not in busybox.docker("exec", box, "ip", "-4", "-o", "addr").stdout
        assert busybox.dockyard("network", "rm", name).stdout == f"{name}\n"
        spare = unique("spare")
        busybox.dockyard("network", "create", spare)
        assert f"\n{spare}\n" in busybox.dockyard("network", "prune", "-f").stdout
    finally:
        busybox.docker("rm", "-f", box)
        busybox.docker("network", "rm", name, check=False)
