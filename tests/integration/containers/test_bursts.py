"""Bursts of clients: every request of a burst is served, none is dropped at a full queue."""

import subprocess

import pytest

pytestmark = pytest.mark.root


def test_500_parallel_execs_all_succeed(busybox):
    """Each `docker exec` makes four connections to the daemon and one to the container's shim;
    500 at once overflowed both accept queues (the shim's made asyncio report an unconnected
    socket as connected: `[Errno 107] Transport endpoint is not connected`)."""
    busybox.docker("run", "-d", "--name", "exec-burst", "busybox", "sleep", "1000")
    try:
        clients = [subprocess.Popen(["docker", "exec", "exec-burst", "echo", "ok"], env=busybox.env,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                   for _ in range(500)]
        results = [(client.wait(300), *client.communicate()) for client in clients]
        failed = [r for r in results if r != (0, "ok\n", "")]
        assert not failed, f"{len(failed)} of 500 failed, e.g. {failed[:3]}"
    finally:
        busybox.docker("rm", "-f", "exec-burst")
