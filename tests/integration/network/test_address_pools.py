"""`--default-address-pool` (dockerd's flag): the default bridge and new networks take their
subnets from the configured pools instead of Docker's 172.17-31/192.168 defaults."""

import ipaddress
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.support.busybox import import_busybox
from tests.support.daemon import Daemon, mounts_under

pytestmark = pytest.mark.root

POOL = ipaddress.ip_network("10.123.0.0/16")


def test_bridge_and_new_networks_come_from_the_configured_pool():
    base = Path(tempfile.mkdtemp(prefix="dockyard-pools-", dir="/tmp"))
    # a bridge of its own: on the default name it would find another daemon's bridge, and its address
    d = Daemon(base, "pools", ("--bridge", f"dyp{os.getpid() % 100000}",
                               "--default-address-pool", f"base={POOL},size=24")).start()
    try:
        import_busybox(d)
        d.docker("network", "create", "poolnet")
        subnets = {name: ipaddress.ip_network(json.loads(d.docker(
            "network", "inspect", name, "-f", "{{json .IPAM.Config}}").stdout)[0]["Subnet"])
            for name in ("bridge", "poolnet")}
        assert all(s.subnet_of(POOL) and s.prefixlen == 24 for s in subnets.values()), subnets
        assert subnets["bridge"] != subnets["poolnet"]
        addr = d.docker("run", "--rm", "--network", "poolnet", "busybox", "ip", "-o", "-4", "addr", "show", "eth0").stdout
        assert ipaddress.ip_interface(addr.split()[3]).ip in subnets["poolnet"], addr
        d.docker("network", "rm", "poolnet")
    finally:
        d.stop()
        leftovers = mounts_under(base)
        shutil.rmtree(base, ignore_errors=True)
        assert not leftovers


def test_a_bad_pool_stops_the_daemon_before_it_starts(tmp_path):
    d = Daemon(tmp_path, "badpool", ("--default-address-pool", "base=10.0.0.0/16"))
    with pytest.raises(RuntimeError, match="invalid default address pool"):
        d.start()
