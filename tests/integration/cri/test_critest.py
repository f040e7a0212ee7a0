"""critest, the CRI validation suite containerd and CRI-O run, against dockyardd: every spec
that passes against Debian's containerd 1.6 on this machine (with the same stand-in images,
baseline-containerd-1.6.json, made by `python -m tests.support.critest containerd`) passes here."""

import fcntl
import json
from pathlib import Path

import pytest

from tests.support.critest import run_critest

pytestmark = pytest.mark.root
BASELINE = Path(__file__).with_name("baseline-containerd-1.6.json")
LOCK = "/tmp/dockyard-critest.lock"   # critest's port-mapping specs use fixed host ports (12000-12002)


def test_critest_passes_what_containerd_passes(cri):
    baseline = json.loads(BASELINE.read_text())
    with open(LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        results = run_critest(cri.endpoint, cri.base / "critest", timeout=1500)
    missing = sorted(name for name, state in baseline.items() if state == "passed" and results.get(name) != "passed")
    assert missing == [], f"baseline passes that fail here (log: {cri.base / 'critest' / 'critest.log'})"
    passed = sum(state == "passed" for state in results.values())
    assert passed >= sum(state == "passed" for state in baseline.values())


def test_critest_streams_over_websockets_too(cri):
    """exec and attach over `v5.channel.k8s.io`, port-forward as client-go's tunneling dialer
    (SPDY inside WebSocket messages): what the API server speaks since Kubernetes 1.30."""
    with open(LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        results = run_critest(cri.endpoint, cri.base / "critest-ws", focus=["Streaming"],
                              extra=["-websocket-exec", "-websocket-attach", "-websocket-portforward"], timeout=600)
    ran = {name: state for name, state in results.items() if state != "skipped"}
    assert len(ran) == 5 and set(ran.values()) == {"passed"}, ran
