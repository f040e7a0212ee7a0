"""kill -9 of the daemon during a burst of 20 parallel `docker run -d`: the next daemon adopts
what runs, rolls back what was half made, and `docker rm -f` then leaves nothing on the host.

Where the kill lands differs from run to run (some containers saved running, some started
but not saved, some created by the runtime and never started, some not yet launched); what
the test checks holds wherever it lands.
"""

import json
import subprocess
import time

import pytest

from tests.support.busybox import import_busybox
from tests.support.daemon import Daemon
from tests.support.leftovers import (alive, cgroup_processes, children_named, iptables_rules, left_after_stop,
                                     left_behind)

pytestmark = pytest.mark.root
BURST = 20


def _records(d: Daemon) -> list[dict]:
    found = []
    for path in (d.data_root / "containers" / "records").glob("*.json"):
        try:
            found.append(json.loads(path.read_text()))
        except (OSError, ValueError):      # being written or removed
            continue
    return found


def test_kill_9_during_a_burst_of_runs_leaves_nothing_behind(crash_daemon):
    d = crash_daemon.start()
    import_busybox(d)
    rules_before = iptables_rules(d.exec_root)      # its own chains, with no container
    first_zygote = children_named(d.process.pid, b"dockyard.shim.zygote")
    clients = [subprocess.Popen(["docker", "run", "-d", "--name", f"burst{i}", *(("-p", "127.0.0.1::80") * (i % 2)),
                                 "busybox", "sleep", "1000"],
                                env=d.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
               for i in range(BURST)]
    deadline = time.monotonic() + 120
    while not any(r["state"]["status"] == "running" for r in _records(d)) and time.monotonic() < deadline:
        time.sleep(0.005)
    d.kill()
    for client in clients:
        client.wait(60)
    seen = {r["id"] for r in _records(d)} | {p.name for p in (d.exec_root / "containers").iterdir()}

    d.start()
    assert first_zygote and not any(alive(pid) for pid in first_zygote), "the dead daemon's zygote lives on"
    listed = d.docker("ps", "-a", "--format", "{{.Names}}").stdout.split()
    assert listed, "no container survived in the records"
    for name in listed:
        state = json.loads(d.docker("inspect", "-f", "{{json .State}}", name).stdout)
        container_id = d.docker("inspect", "-f", "{{.Id}}", name).stdout.strip()
        if state["Running"]:               # adopted: the process is the one the daemon shows
            assert alive(state["Pid"]) and state["Pid"] in cgroup_processes(container_id), (name, state)
        else:                              # rolled back: nothing of it runs
            assert not cgroup_processes(container_id), (name, state["Status"])
    for name in listed:                    # every one starts (no `container with id exists`)
        d.docker("start", name)
    statuses = d.docker("ps", "-a", "--format", "{{.State}}").stdout.split()
    assert statuses == ["running"] * len(listed)

    d.docker("rm", "-f", *listed)
    assert d.docker("ps", "-aq").stdout == ""
    assert left_behind(d, seen, rules_before) == {}
    second_zygote = children_named(d.process.pid, b"dockyard.shim.zygote")
    assert d.stop() == 0, d.log()
    assert not any(alive(pid) for pid in second_zygote)
    assert left_after_stop(d) == {}


def test_kill_9_during_a_burst_of_removals_finishes_them(crash_daemon):
    d = crash_daemon.start()
    import_busybox(d)
    rules_before = iptables_rules(d.exec_root)
    names = [f"doomed{i}" for i in range(10)]
    for i, name in enumerate(names):
        d.docker("run", "-d", "--name", name, *(("-p", "127.0.0.1::80") * (i % 2)), "busybox", "sleep", "1000")
    seen = {r["id"] for r in _records(d)}
    clients = [subprocess.Popen(["docker", "rm", "-f", name], env=d.env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL) for name in names]
    deadline = time.monotonic() + 120
    while len(_records(d)) > 7 and time.monotonic() < deadline:
        time.sleep(0.002)
    d.kill()
    for client in clients:
        client.wait(60)
    halfway = {r["id"]: r["state"]["status"] for r in _records(d)}

    d.start()
    left = {line.split()[0]: line.split()[1] for line in
            d.docker("ps", "-a", "--no-trunc", "--format", "{{.ID}} {{.State}}").stdout.splitlines()}
    assert not any(status == "removing" for status in left.values()), left
    assert not set(left) & {cid for cid, status in halfway.items() if status == "removing"}, "a removal not finished"
    if left:
        d.docker("rm", "-f", *left)
    assert left_behind(d, seen, rules_before) == {}
    assert d.stop() == 0, d.log()
    assert left_after_stop(d) == {}
