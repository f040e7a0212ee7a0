"""kill -9 of the daemon during a build's RUN step whose container exits while the daemon is
down: the next daemon removes that container, so it pins no image, and nothing of the
build stays mounted or running."""

import json
import subprocess
import time

import pytest

from tests.support.daemon import Daemon
from tests.support.leftovers import alive, iptables_rules, left_after_stop, left_behind

pytestmark = pytest.mark.root


def _running_run_container(d: Daemon, deadline: float) -> dict:
    """The record of the build's RUN container, once it runs."""
    notes = d.data_root / "build" / "work" / "run-containers"
    while time.monotonic() < deadline:
        for note in notes.glob("*.json") if notes.is_dir() else ():
            try:
                record = json.loads((d.data_root / "containers" / "records" / note.name).read_text())
            except (OSError, ValueError):
                continue
            if record["state"]["status"] == "running" and record["config"]["Cmd"][-1].startswith("sleep"):
                return record
        time.sleep(0.01)
    raise AssertionError("the RUN step never ran")


def test_a_run_container_that_exits_while_the_daemon_is_down_is_removed(crash_busybox, tmp_path):
    d = crash_busybox
    rules_before = iptables_rules(d.exec_root)
    (tmp_path / "Dockerfile").write_text("FROM busybox\nRUN echo one > /one\nRUN sleep 1\n")
    build = subprocess.Popen(["docker", "build", "-t", "crashy", str(tmp_path)], env={**d.env, "DOCKER_BUILDKIT": "0"},
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    record = _running_run_container(d, time.monotonic() + 120)
    d.kill()
    build.wait(60)
    deadline = time.monotonic() + 30
    while alive(record["state"]["pid"]) and time.monotonic() < deadline:   # `sleep 1` ends meanwhile
        time.sleep(0.05)

    d.start()
    assert d.docker("ps", "-aq").stdout == ""
    parent = d.docker("images", "-aq", "--filter", "dangling=true").stdout.split()
    assert len(parent) == 1, "the first step's image"
    d.docker("rmi", parent[0])             # pinned by no container
    assert d.docker("images", "-aq").stdout.split() == d.docker("images", "-q", "busybox").stdout.split()
    assert left_behind(d, [record["id"]], rules_before) == {}
    assert list((d.data_root / "build" / "work" / "run-containers").iterdir()) == []
    assert d.stop() == 0, d.log()
    assert left_after_stop(d) == {}
