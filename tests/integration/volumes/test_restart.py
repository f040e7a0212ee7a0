"""Volume content and records survive a daemon restart and a crash (kill -9)."""

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.root


def test_volumes_survive_restart_and_crash(fresh_daemon):
    daemon = fresh_daemon.start()
    daemon.docker("volume", "create", "--label", "keep=yes", "persist")
    mountpoint = json.loads(daemon.docker("volume", "inspect", "persist").stdout)[0]["Mountpoint"]
    with open(f"{mountpoint}/note", "w") as out:
        out.write("still here")
    assert daemon.stop() == 0

    daemon.start()
    assert daemon.docker("volume", "ls", "-q").stdout.split() == ["persist"]
    [body] = json.loads(daemon.docker("volume", "inspect", "persist").stdout)
    assert body["Labels"] == {"keep": "yes"} and body["Mountpoint"] == mountpoint
    daemon.docker("volume", "create", "second")
    daemon.kill()

    daemon.start()
    assert sorted(daemon.docker("volume", "ls", "-q").stdout.split()) == ["persist", "second"]
    assert Path(f"{mountpoint}/note").read_text() == "still here"
