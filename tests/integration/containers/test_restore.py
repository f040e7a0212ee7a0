"""Live restore: containers outlive a killed or restarted daemon, which re-adopts them."""

import pytest

from tests.support.busybox import import_busybox

pytestmark = pytest.mark.root


def test_kill_9_leaves_containers_running_and_the_new_daemon_stops_them(fresh_daemon):
    fresh_daemon.start()
    import_busybox(fresh_daemon)
    fresh_daemon.docker("run", "-d", "--name", "survivor", "busybox", "sh", "-c",
                        "while true; do echo tick; sleep 0.2; done")
    pid = fresh_daemon.docker("inspect", "-f", "{{.State.Pid}}", "survivor").stdout.strip()
    fresh_daemon.kill()
    assert open(f"/proc/{pid}/cmdline", "rb").read().startswith(b"sh")
    fresh_daemon.start()
    assert fresh_daemon.docker("inspect", "-f", "{{.State.Running}}", "survivor").stdout.strip() == "true"
    assert "tick" in fresh_daemon.docker("logs", "--tail", "2", "survivor").stdout
    assert fresh_daemon.docker("exec", "survivor", "echo", "still here").stdout == "still here\n"
    fresh_daemon.docker("stop", "-t", "1", "survivor")
    assert fresh_daemon.docker("inspect", "-f", "{{.State.Status}}", "survivor").stdout.strip() == "exited"
    fresh_daemon.docker("rm", "survivor")


def test_always_restart_containers_come_back_with_the_daemon(fresh_daemon):
    fresh_daemon.start()
    import_busybox(fresh_daemon)
    fresh_daemon.docker("run", "-d", "--name", "keeper", "--restart", "always", "busybox", "sleep", "300")
    fresh_daemon.docker("run", "-d", "--name", "stopped", "--restart", "unless-stopped", "busybox", "sleep", "300")
    fresh_daemon.docker("stop", "-t", "0", "stopped")
    fresh_daemon.stop()
    fresh_daemon.start()
    status = fresh_daemon.docker("ps", "-a", "--format", "{{.Names}} {{.State}}").stdout.split("\n")
    assert "keeper running" in status and "stopped exited" in status
    fresh_daemon.docker("rm", "-f", "keeper", "stopped")
