"""kill -9 of a daemon serving the CRI: the next daemon finds the kubelet's pods and their
containers as they were (running, same IPs, exec works), and a kill during a burst of
`crictl runp` leaves nothing once the pods that survived in the records are removed."""

import json
import subprocess
import time

import pytest

from tests.integration.cri.test_crictl import BUSYBOX, pod_config, run_pod
from tests.support.cri_stack import stack_or_skip
from tests.support.leftovers import alive, cgroups_of, left_behind, left_after_stop

pytestmark = pytest.mark.root


@pytest.fixture
def cri():
    with stack_or_skip("dockyard-cricrash-") as stack:
        yield stack


def _pod_status(cri, pod_id: str) -> dict:
    return json.loads(cri.crictl("inspectp", "-o", "json", pod_id).stdout)["status"]


def test_pods_and_their_containers_survive_a_kill_9_as_they_were(cri):
    pod_id, container_id, _ = run_pod(cri, "survivor", BUSYBOX, {"command": ["sleep", "1000"]})
    before = _pod_status(cri, pod_id)
    pid = json.loads(cri.crictl("inspect", "-o", "json", container_id).stdout)["info"]["pid"]
    cri.daemon.kill()
    assert alive(pid), "the container died with the daemon"
    cri.daemon.start(timeout=30)
    after = _pod_status(cri, pod_id)
    assert after["state"] == "SANDBOX_READY" and after["network"]["ip"] == before["network"]["ip"]
    assert cri.crictl("ps", "-q", "--pod", pod_id, "--state", "running").stdout.split() == [container_id]
    assert cri.crictl("exec", container_id, "echo", "still here").stdout == "still here\n"
    cri.crictl("stopp", pod_id)
    cri.crictl("rmp", pod_id)
    assert not alive(pid)
    assert left_behind(cri.daemon, [pod_id, container_id]) == {}


def test_a_kill_9_during_a_burst_of_run_pods_leaves_nothing_once_they_are_removed(cri):
    paths = [pod_config(cri, f"burst{i}") for i in range(6)]
    clients = [subprocess.Popen([*cri.crictl_argv(), "runp", path], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL) for path in paths]
    records = cri.daemon.data_root / "containers" / "records"
    deadline = time.monotonic() + 60
    while len(list(records.glob("*.json"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.005)
    cri.daemon.kill()
    for client in clients:
        client.wait(60)
    cri.daemon.start(timeout=30)
    pods = cri.crictl("pods", "-q").stdout.split()
    started = cri.daemon.exec_root / "containers"   # made by the first start: the kill may come first
    known = [p.name for p in started.iterdir()] + pods if started.is_dir() else pods
    for pod_id in pods:
        cri.crictl("stopp", pod_id)
        cri.crictl("rmp", pod_id)
    assert cri.crictl("pods", "-q").stdout == ""
    assert left_behind(cri.daemon, known) == {}
    assert cgroups_of(known) == []
    assert cri.daemon.stop() == 0, cri.daemon.log()
    assert left_after_stop(cri.daemon) == {}
    cri.daemon = None     # stopped: the fixture has nothing more to remove
