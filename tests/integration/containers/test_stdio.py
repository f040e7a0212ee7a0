"""attach, start -a, exec -it, update, prune: the rest of the life cycle through the docker CLI."""

import subprocess

import pytest

pytestmark = pytest.mark.root


def test_attach_follows_output_to_the_exit(busybox):
    busybox.docker("run", "-d", "--name", "attached", "busybox", "sh", "-c", "sleep 1; echo attached-output; exit 5")
    try:
        result = busybox.docker("attach", "attached", check=False, timeout=30)
        assert result.stdout == "attached-output\n" and result.returncode == 5
    finally:
        busybox.docker("rm", "-f", "attached")


def test_start_attach_and_interactive(busybox):
    busybox.docker("create", "--name", "starter", "busybox", "echo", "started")
    busybox.docker("create", "-i", "--name", "reader", "busybox", "cat")
    try:
        assert busybox.docker("start", "-a", "starter").stdout == "started\n"
        assert busybox.docker("start", "-a", "-i", "reader", input="via start\n").stdout == "via start\n"
    finally:
        busybox.docker("rm", "-f", "starter", "reader")


def test_exec_with_a_tty(busybox):
    busybox.docker("run", "-d", "--name", "ttyexec", "busybox", "sleep", "60")
    try:
        command = "stty rows 20 cols 70; docker exec -it ttyexec sh -c 'stty size; tty; exit 4'"
        result = subprocess.run(["script", "-eqc", command, "/dev/null"], env=busybox.env, capture_output=True,
                                text=True, timeout=60, stdin=subprocess.DEVNULL)
        assert result.returncode == 4 and "20 70" in result.stdout and "/dev/pts/" in result.stdout
    finally:
        busybox.docker("rm", "-f", "ttyexec")


def test_update_changes_limits_and_restart_policy(busybox):
    busybox.docker("run", "-d", "--name", "updated", "busybox", "sleep", "60")
    try:
        busybox.docker("update", "--memory", "64m", "--memory-swap", "128m", "--restart", "on-failure:3", "updated")
        fields = busybox.docker("inspect", "-f", "{{.HostConfig.Memory}} {{.HostConfig.RestartPolicy.Name}}",
                                "updated").stdout.split()
        assert fields == [str(64 * 1024 * 1024), "on-failure"]
        limit = busybox.docker("exec", "updated", "cat", "/sys/fs/cgroup/memory/memory.limit_in_bytes",
                               check=False).stdout.strip()
        if limit:  # cgroup v1 hosts show the limit inside the container
            assert limit == str(64 * 1024 * 1024)
    finally:
        busybox.docker("rm", "-f", "updated")


def test_container_prune_removes_only_stopped(busybox):
    busybox.docker("run", "--name", "pruned", "busybox", "true")
    busybox.docker("run", "-d", "--name", "kept", "busybox", "sleep", "60")
    try:
        out = busybox.docker("container", "prune", "-f").stdout
        assert "Total reclaimed space" in out
        names = busybox.docker("ps", "-a", "--format", "{{.Names}}").stdout.split()
        assert "pruned" not in names and "kept" in names
    finally:
        busybox.docker("rm", "-f", "kept", check=False)
