"""Stop, kill, wait, pause, rename, restart policies, exec, top, stats, events."""

import json
import time

import pytest

pytestmark = pytest.mark.root


@pytest.fixture
def sleeper(busybox):
    name = f"sleeper{time.monotonic_ns()}"
    busybox.docker("run", "-d", "--name", name, "busybox", "sleep", "300")
    yield name
    busybox.docker("rm", "-f", name, check=False)


def test_stop_with_a_sigterm_trap_exits_cleanly(busybox):
    busybox.docker("run", "-d", "--name", "trapper", "busybox", "sh", "-c",
                   "trap 'exit 0' TERM; while true; do sleep 0.1; done")
    try:
        started = time.monotonic()
        busybox.docker("stop", "trapper")
        assert time.monotonic() - started < 5
        assert busybox.docker("inspect", "-f", "{{.State.ExitCode}}", "trapper").stdout.strip() == "0"
    finally:
        busybox.docker("rm", "-f", "trapper")


def test_stop_escalates_to_sigkill(busybox, sleeper):
    busybox.docker("stop", "-t", "1", sleeper)
    assert busybox.docker("inspect", "-f", "{{.State.ExitCode}}", sleeper).stdout.strip() == "137"
    assert busybox.docker("stop", sleeper).returncode == 0  # already stopped: 304, still fine


def test_kill_then_wait_is_137(busybox, sleeper):
    busybox.docker("kill", sleeper)
    # dockerd answers a SIGKILL once the container has exited: inspect right after shows it
    state = busybox.docker("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", sleeper).stdout.split()
    assert state == ["exited", "137"]
    assert busybox.docker("wait", sleeper).stdout.strip() == "137"


def test_a_paused_container_is_thawed_by_kill_and_by_rm_force(busybox, sleeper):
    since = str(int(time.time()) - 1)
    busybox.docker("pause", sleeper)
    busybox.docker("kill", "-s", "USR1", sleeper)      # pid 1 ignores it; the container runs on, thawed
    assert busybox.docker("inspect", "-f", "{{.State.Status}} {{.State.Paused}}", sleeper).stdout.split() == \
        ["running", "false"]
    until = str(int(time.time()) + 1)
    actions = busybox.docker("events", "--since", since, "--until", until, "--filter", f"container={sleeper}",
                             "--format", "{{.Action}}").stdout.split()
    assert actions[-3:] == ["pause", "kill", "unpause"]
    busybox.docker("pause", sleeper)
    busybox.docker("rm", "-f", sleeper, timeout=20)    # a frozen process took no SIGKILL: this hung
    assert busybox.docker("ps", "-aq", "--filter", f"name={sleeper}").stdout == ""


def test_commit_and_rm_force_of_a_container_that_is_exiting(busybox):
    """commit pauses by default, rm -f kills: the container may have exited meanwhile, its exit
    not handled yet (its cgroup already gone)."""
    api = busybox.client().api
    for _ in range(5):
        container = api.create_container("busybox", ["touch", "/committed"])
        api.start(container)
        image = api.commit(container["Id"])["Id"]          # pause=True, the API's default
        api.remove_container(container, force=True)
        assert api.inspect_image(image)["Id"] == image
        api.remove_image(image)


def test_pause_unpause(busybox, sleeper):
    busybox.docker("pause", sleeper)
    assert "(Paused)" in busybox.docker("ps", "--filter", f"name={sleeper}", "--format", "{{.Status}}").stdout
    busybox.docker("unpause", sleeper)
    assert busybox.docker("inspect", "-f", "{{.State.Status}}", sleeper).stdout.strip() == "running"


def test_rename(busybox, sleeper):
    busybox.docker("rename", sleeper, sleeper + "-renamed")
    assert busybox.docker("inspect", "-f", "{{.Name}}", sleeper + "-renamed").stdout.strip() == f"/{sleeper}-renamed"
    busybox.docker("rename", sleeper + "-renamed", sleeper)


def test_exec_plain_piped_and_exit_codes(busybox, sleeper):
    assert busybox.docker("exec", sleeper, "echo", "hi").stdout == "hi\n"
    assert busybox.docker("exec", sleeper, "sh", "-c", "exit 7", check=False).returncode == 7
    missing = busybox.docker("exec", sleeper, "nope", check=False)
    assert missing.returncode == 127 and 'exec: "nope": executable file not found in $PATH' in missing.stderr
    directory = busybox.docker("exec", sleeper, "/etc", check=False)
    assert directory.returncode == 126 and 'exec: "/etc": is a directory' in directory.stderr
    assert busybox.docker("exec", "-i", sleeper, "cat", input="piped\n").stdout == "piped\n"
    assert busybox.docker("exec", "-u", "1000", "-w", "/tmp", "-e", "X=1", sleeper, "sh", "-c",
                          "id -u; pwd; echo $X").stdout.split() == ["1000", "/tmp", "1"]
    busybox.docker("exec", "-d", sleeper, "sh", "-c", "echo bg > /tmp/bg")
    for _ in range(50):
        if busybox.docker("exec", sleeper, "cat", "/tmp/bg", check=False).stdout == "bg\n":
            break
        time.sleep(0.05)
    else:
        pytest.fail("detached exec did not run")


def test_top_and_stats(busybox, sleeper):
    top = busybox.docker("top", sleeper).stdout
    assert "sleep 300" in top and "PID" in top
    stats = busybox.docker("stats", "--no-stream", "--format", "{{.Name}} {{.PIDs}}", sleeper).stdout.split()
    assert stats == [sleeper, "1"]


def test_on_failure_restarts_twice(busybox):
    busybox.docker("run", "-d", "--name", "flaky", "--restart", "on-failure:2", "busybox", "sh", "-c", "exit 1")
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            state = json.loads(busybox.docker("inspect", "flaky").stdout)[0]
            if state["RestartCount"] == 2 and state["State"]["Status"] == "exited":
                break
            time.sleep(0.1)
        assert state["RestartCount"] == 2 and state["State"]["Status"] == "exited", state["State"]
    finally:
        busybox.docker("rm", "-f", "flaky")


def test_events_show_the_life_of_a_container(busybox):
    since = str(int(time.time()) - 1)
    busybox.docker("run", "--rm", "--name", "evented", "busybox", "true")
    out = busybox.docker("events", "--since", since, "--until", str(int(time.time()) + 1),
                         "--filter", "container=evented", "--format", "{{.Action}}", timeout=20).stdout.split()
    for action in ("create", "start", "die", "destroy"):
        assert action in out, out


def test_remove_running_needs_force(busybox, sleeper):
    refused = busybox.docker("rm", sleeper, check=False)
    assert "You cannot remove a running container" in refused.stderr
    busybox.docker("rm", "-f", sleeper)
    assert busybox.docker("inspect", sleeper, check=False).returncode != 0


def test_health_status_reaches_healthy_then_unhealthy(busybox):
    busybox.docker("run", "-d", "--name", "checked", "--health-cmd", "test -f /tmp/ok", "--health-interval", "200ms",
                   "--health-retries", "2", "busybox", "sh", "-c", "touch /tmp/ok; sleep 300")
    try:
        def status():
            return busybox.docker("inspect", "-f", "{{.State.Health.Status}}", "checked").stdout.strip()

        deadline = time.monotonic() + 15
        while status() != "healthy" and time.monotonic() < deadline:
            time.sleep(0.1)
        assert status() == "healthy"
        assert "(healthy)" in busybox.docker("ps", "--filter", "name=checked", "--format", "{{.Status}}").stdout
        assert busybox.docker("ps", "-q", "--filter", "health=healthy").stdout.strip()
        busybox.docker("exec", "checked", "rm", "/tmp/ok")
        deadline = time.monotonic() + 15
        while status() != "unhealthy" and time.monotonic() < deadline:
            time.sleep(0.1)
        assert status() == "unhealthy"
        log = json.loads(busybox.docker("inspect", "-f", "{{json .State.Health.Log}}", "checked").stdout)
        assert log[-1]["ExitCode"] == 1
    finally:
        busybox.docker("rm", "-f", "checked")


def test_hostname_is_the_short_id_in_inspect_and_inside(busybox, sleeper):
    short_id, hostname = busybox.docker("inspect", "-f", "{{.Id}} {{.Config.Hostname}}", sleeper).stdout.split()
    assert hostname == short_id[:12]
    assert busybox.docker("exec", sleeper, "hostname").stdout.strip() == hostname


def test_exec_processes_live_in_the_containers_cgroups(busybox):
    """Execs join every controller (through `tasks`): limits, top, pause and stop reach them."""
    name = f"limited{time.monotonic_ns()}"
    busybox.docker("run", "-d", "--name", name, "--pids-limit", "3", "busybox", "sleep", "300")
    try:
        busybox.docker("exec", "-d", name, "sleep", "301")
        for _ in range(50):
            if "sleep 301" in busybox.docker("top", name).stdout:
                break
            time.sleep(0.1)
        assert "sleep 301" in busybox.docker("top", name).stdout
        crowded = busybox.docker("exec", name, "sh", "-c", "sleep 1 & sleep 1 & wait", check=False)
        assert crowded.returncode != 0            # init + sleep 301 + sh: the pids limit holds
        cgroups = busybox.docker("exec", name, "cat", "/proc/self/cgroup").stdout
        init_cgroups = busybox.docker("exec", name, "cat", "/proc/1/cgroup").stdout
        assert [l for l in cgroups.splitlines() if ":memory:" in l] == \
               [l for l in init_cgroups.splitlines() if ":memory:" in l]
        busybox.docker("pause", name)
        assert busybox.docker("top", name).stdout.count("sleep") == 2
        busybox.docker("unpause", name)
        busybox.docker("stop", "-t", "1", name)
        assert busybox.docker("inspect", "-f", "{{.State.Status}}", name).stdout.strip() == "exited"
    finally:
        busybox.docker("rm", "-f", name, check=False)


def test_stop_of_a_container_exiting_on_its_own_succeeds(busybox):
    """A stop that meets the container's own exit (the shim has seen it, the daemon not yet)
    is a stop, not 409 "is not running" (compose's `up --exit-code-from` stops such ones)."""
    client = busybox.client()
    try:
        for i in range(40):
            container = client.containers.run("busybox", ["sleep", f"0.0{i % 10}"], detach=True)
            time.sleep((i % 8) * 0.005)
            container.stop(timeout=5)  # raises docker.errors.APIError on a 409
            container.reload()
            assert container.status == "exited"
            container.remove()
    finally:
        client.close()


def test_rm_force_of_an_auto_removed_container_removes_it_once(busybox):
    """`rm -f` kills a `--rm` container whose own removal then starts: one removal, as dockerd
    20.10 (asked): exit 0, and the events create start kill die destroy, destroy once."""
    since = str(int(time.time()) - 1)
    name = f"rmforce{time.monotonic_ns()}"
    busybox.docker("run", "-d", "--rm", "--name", name, "--network", "none", "busybox", "sleep", "300")
    assert busybox.docker("rm", "-f", name).returncode == 0
    assert busybox.docker("ps", "-aq", "--filter", f"name={name}").stdout == ""
    until = str(int(time.time()) + 1)
    actions = busybox.docker("events", "--since", since, "--until", until, "--filter", f"container={name}",
                             "--format", "{{.Action}}").stdout.split()
    assert actions == ["create", "start", "kill", "die", "destroy"]


def test_a_privileged_exec_gets_every_capability_of_the_host(busybox, sleeper):
    """`exec --privileged` in an unprivileged container: every capability, as dockerd gives (it
    asks runc for all it knows; on a host whose bounding set lacks one, runc then fails, so
    here: the host's bounding set), while a plain exec keeps the container's default set."""
    with open("/proc/self/status") as status:
        bounding = next(line.split()[1] for line in status if line.startswith("CapBnd:"))
    privileged = busybox.docker("exec", "--privileged", sleeper, "grep", "CapEff", "/proc/self/status").stdout
    assert privileged.split() == ["CapEff:", bounding]
    plain = busybox.docker("exec", sleeper, "grep", "CapEff", "/proc/self/status").stdout
    assert plain.split() == ["CapEff:", "00000000a80425fb"]     # Docker's default 14


def test_a_start_refused_after_its_shim_began_leaves_no_shim(busybox):
    """The shim sets up in its host while the rootfs and bundle are made: a start that fails
    there (joining the IPC namespace of a container that is not running: dockerd 20.10's words,
    asked) ends it too: its host removes the pid file it wrote and keeps nothing of it."""
    donor = busybox.docker("create", "busybox", "true").stdout.strip()
    name = f"joiner{time.monotonic_ns()}"
    busybox.docker("create", "--name", name, "--ipc", f"container:{donor}", "busybox", "true")
    refused = busybox.docker("start", name, check=False)
    assert refused.returncode == 1
    assert f"can't join IPC of container {donor}: container {donor} is not running" in refused.stderr
    joiner = busybox.docker("inspect", "-f", "{{.Id}}", name).stdout.strip()
    state_dir = busybox.exec_root / "containers" / joiner

    deadline = time.monotonic() + 10
    while (state_dir / "shim.pid").exists():   # the host may take the launch late on a busy machine
        assert time.monotonic() < deadline, "the aborted shim's pid file stayed"
        time.sleep(0.05)
    assert busybox.docker("inspect", "-f", "{{.State.Status}}", name).stdout.strip() == "created"
    busybox.docker("rm", name, donor)
