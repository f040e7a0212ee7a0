"""The runtime's isolation as users control it through `docker run` flags (issue: Runtime)."""

import pytest

pytestmark = pytest.mark.root


@pytest.fixture(params=["dockyard", "runc"])
def runtime(request, busybox):
    return request.param


def run(daemon, runtime, *args, check=True):
    return daemon.docker("run", "--rm", "--runtime", runtime, *args, check=check)


def test_memory_limit_kills_a_hog_and_reports_oom(busybox, runtime):
    name = f"hog-{runtime}"
    busybox.docker("run", "--name", name, "--runtime", runtime, "-m", "32m", "busybox", "sh", "-c",
                   "x=a; while true; do x=$x$x; done", check=False)
    try:
        assert busybox.docker("inspect", "-f", "{{.State.ExitCode}} {{.State.OOMKilled}}", name).stdout.split() == ["137", "true"]
    finally:
        busybox.docker("rm", name)


def test_pids_limit_stops_a_fork_bomb(busybox, runtime):
    out = run(busybox, runtime, "--pids-limit", "20", "busybox", "sh", "-c",
              "for i in $(seq 40); do sleep 5 & done 2>&1; echo done", check=False)
    assert "can't fork" in out.stdout + out.stderr


def test_read_only_root_with_a_tmpfs(busybox, runtime):
    out = run(busybox, runtime, "--read-only", "--tmpfs", "/tmp", "busybox", "sh", "-c",
              "touch /x 2>&1; touch /tmp/ok && echo tmp-ok; grep ' /tmp ' /proc/mounts", check=False).stdout
    assert "Read-only file system" in out and "tmp-ok" in out and "tmpfs" in out


def test_capabilities(busybox, runtime):
    assert run(busybox, runtime, "busybox", "mount", "-t", "tmpfs", "t", "/tmp", check=False).returncode != 0
    run(busybox, runtime, "--cap-add", "SYS_ADMIN", "busybox", "mount", "-t", "tmpfs", "t", "/tmp")
    denied = run(busybox, runtime, "--cap-drop", "ALL", "busybox", "chown", "1", "/tmp", check=False)
    assert denied.returncode != 0 and "Operation not permitted" in denied.stderr


def test_ulimit(busybox, runtime):
    assert run(busybox, runtime, "--ulimit", "nofile=512:512", "busybox", "sh", "-c", "ulimit -n").stdout.strip() == "512"


def test_privileged_works_here(busybox):
    # runc refuses --privileged on this VM (its bounding set lacks a capability); ours must not.
    out = run(busybox, "dockyard", "--privileged", "busybox", "sh", "-c",
              "grep CapEff /proc/self/status; mount -t tmpfs t /tmp && echo mounted; ls /dev | wc -l").stdout.split()
    assert out[0] == "CapEff:" and int(out[1], 16) > 0xa80425fb and "mounted" in out
    assert int(out[-1]) > 10  # the host's devices


def test_ipc_and_pid_namespaces_of_another_container(busybox, runtime):
    """`--ipc shareable` / `--ipc container:` share IPC and /dev/shm, `--pid container:` the
    processes (what a Kubernetes pod's containers do through the CRI); dockerd's refusals."""
    donor = f"donor-{runtime}"
    busybox.docker("run", "-d", "--name", donor, "--ipc", "shareable", "busybox", "sh", "-c",
                   "echo shared > /dev/shm/flag; exec sleep 100")
    private = f"private-{runtime}"
    busybox.docker("run", "-d", "--name", private, "busybox", "sleep", "100")
    try:
        ipc = busybox.docker("inspect", "-f", "{{.State.Pid}}", donor).stdout.strip()
        out = run(busybox, runtime, "--ipc", f"container:{donor}", "--pid", f"container:{donor}", "busybox", "sh", "-c",
                  "readlink /proc/self/ns/ipc; cat /dev/shm/flag; ps -o comm").stdout.split()
        import os
        assert out[0] == os.readlink(f"/proc/{ipc}/ns/ipc") and out[1] == "shared" and "sleep" in out[2:]
        refused = run(busybox, runtime, "--ipc", f"container:{private}", "busybox", "true", check=False)
        private_id = busybox.docker("inspect", "-f", "{{.Id}}", private).stdout.strip()
        assert f"can't join IPC of container {private_id}: non-shareable IPC" in refused.stderr
        busybox.docker("stop", "-t", "0", donor)
        stopped = run(busybox, runtime, "--pid", f"container:{donor}", "busybox", "true", check=False)
        assert "is not running" in stopped.stderr and stopped.returncode == 125
    finally:
        busybox.docker("rm", "-f", donor, private)
