"""`docker run` as users meet it: output, exit codes, stdin, TTY, isolation basics."""

import subprocess

import pytest

pytestmark = pytest.mark.root


def test_run_prints_and_removes(busybox):
    result = busybox.docker("run", "--rm", "busybox", "echo", "hello")
    assert result.stdout == "hello\n"
    assert "busybox" not in busybox.docker("ps", "-a", "--format", "{{.Image}}").stdout


@pytest.mark.parametrize("argv,code", [(["sh", "-c", "exit 3"], 3), (["nope"], 127), (["/etc/passwd"], 126)])
def test_exit_codes(busybox, argv, code):
    result = busybox.docker("run", "--rm", "busybox", *argv, check=False)
    assert result.returncode == code, result.stderr
    if code == 127:
        assert "executable file not found" in result.stderr


def test_pid_namespace_and_proc(busybox):
    out = busybox.docker("run", "--rm", "busybox", "sh", "-c", "echo $$; ls /proc | grep -E '^[0-9]+$'").stdout.split()
    assert out[0] == "1"
    assert len(out[1:]) <= 3  # the shell, ls, grep: nothing of the host


def test_hostname_user_workdir_env(busybox):
    out = busybox.docker("run", "--rm", "--hostname", "box", "-u", "1000:1000", "-w", "/tmp", "-e", "FOO=bar",
                         "busybox", "sh", "-c", "hostname; id -u; id -g; pwd; echo $FOO").stdout.split()
    assert out == ["box", "1000", "1000", "/tmp", "bar"]


def test_piped_stdin_reaches_the_container(busybox):
    result = busybox.docker("run", "-i", "--rm", "busybox", "cat", input="line1\nline2\n")
    assert result.stdout == "line1\nline2\n"


def test_tty_run_under_script(busybox):
    command = "stty rows 30 cols 100; docker run -it --rm busybox sh -c 'stty size; exit 3'"
    result = subprocess.run(["script", "-eqc", command, "/dev/null"], env=busybox.env, capture_output=True,
                            text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 3
    assert "30 100" in result.stdout


def test_detached_run_logs_and_ps(busybox):
    cid = busybox.docker("run", "-d", "--name", "logger", "--label", "tier=front", "busybox", "sh", "-c",
                         "echo out; echo err >&2; sleep 30").stdout.strip()
    try:
        assert len(cid) == 64
        busybox.docker("exec", "logger", "true")  # running
        logs = busybox.docker("logs", "logger")
        assert logs.stdout == "out\n" and logs.stderr == "err\n"
        assert busybox.docker("logs", "--tail", "1", "logger").stderr == "err\n"
        ps = busybox.docker("ps", "--filter", "label=tier=front", "--format", "{{.Names}} {{.Status}}").stdout
        assert ps.startswith("logger Up")
        assert busybox.docker("ps", "-q", "--filter", "name=logger").stdout.strip() == cid[:12]
        assert busybox.docker("inspect", "-f", "{{.State.Running}} {{.Config.Image}}", "logger").stdout.strip() == "true busybox"
    finally:
        busybox.docker("rm", "-f", "logger")


def test_logs_follow_ends_when_the_container_exits(busybox):
    busybox.docker("run", "-d", "--name", "follower", "busybox", "sh", "-c", "for i in 1 2 3; do echo $i; sleep 0.2; done")
    try:
        assert busybox.docker("logs", "-f", "follower", timeout=20).stdout == "1\n2\n3\n"
        assert "Exited (0)" in busybox.docker("ps", "-a", "--filter", "name=follower", "--format", "{{.Status}}").stdout
    finally:
        busybox.docker("rm", "-f", "follower")


def test_log_driver_none_keeps_no_log_and_other_drivers_are_refused(busybox):
    assert busybox.docker("run", "--name", "unlogged", "--log-driver", "none", "busybox",
                          "sh", "-c", "echo out; echo err >&2").stdout == "out\n"
    try:
        assert busybox.docker("inspect", "-f", "{{.HostConfig.LogConfig.Type}}|{{.LogPath}}", "unlogged").stdout == "none|\n"
        logs = busybox.docker("logs", "unlogged", check=False)
        assert logs.returncode != 0 and "configured logging driver does not support reading" in logs.stderr
    finally:
        busybox.docker("rm", "unlogged")
    refused = busybox.docker("run", "--rm", "--log-driver", "syslog", "busybox", "true", check=False)
    assert refused.returncode != 0 and "log driver 'syslog' is not supported" in refused.stderr


def test_name_conflict_and_bad_names(busybox):
    busybox.docker("create", "--name", "twin", "busybox", "true")
    try:
        clash = busybox.docker("create", "--name", "twin", "busybox", "true", check=False)
        assert clash.returncode != 0 and "is already in use by container" in clash.stderr
        bad = busybox.docker("create", "--name", "-bad", "busybox", "true", check=False)
        assert "Invalid container name" in bad.stderr
    finally:
        busybox.docker("rm", "twin")


def test_missing_image_is_a_404(busybox):
    # --pull never: the CLI would otherwise pull from Docker Hub, and tests stay on loopback.
    result = busybox.docker("create", "--pull", "never", "nosuchimage:1", check=False)
    assert result.returncode != 0
    assert "No such image: nosuchimage:1" in result.stderr


def test_large_output_arrives_whole(busybox):
    """Megabytes still queued for a slow attach client when the container exits must all arrive."""
    result = subprocess.run(["docker", "run", "--rm", "busybox", "sh", "-c", "head -c 20971520 /dev/zero"],
                            env=busybox.env, capture_output=True, timeout=120)
    assert result.returncode == 0 and len(result.stdout) == 20971520


def test_cgroup_parent_is_honoured_and_cannot_climb_out_of_the_hierarchy(busybox):
    from pathlib import Path

    lines = busybox.docker("run", "--rm", "--cgroup-parent", "../../dy-test-parent", "busybox",
                           "cat", "/proc/self/cgroup").stdout.splitlines()
    memory = next(line.split(":", 2)[2] for line in lines if ":memory:" in line or line.startswith("0::"))
    assert memory.startswith("/dy-test-parent/") and len(memory.rsplit("/", 1)[1]) == 64
    assert not Path("/sys/fs/dy-test-parent").exists() and not Path("/dy-test-parent").exists()
    for parent in Path("/sys/fs/cgroup").glob("*/dy-test-parent"):
        parent.rmdir()


def test_create_checks_what_dockerd_checks_and_accepts_what_it_accepts(busybox):
    import docker

    api = busybox.client().api
    made = []
    try:
        for log_config in ({"Type": "json-file", "Config": {"max-file": "100"}}, {"Type": "", "Config": {"max-file": "100"}}):
            made.append(api.create_container("busybox", "true", host_config={"LogConfig": log_config}))
            shown = api.inspect_container(made[-1])["HostConfig"]["LogConfig"]
            assert shown == {"Type": "json-file", "Config": {"max-file": "100"}}   # max-file alone: accepted
        made.append(api.create_container("busybox", "true", host_config={"VolumeDriver": "foo"}))  # no volume
        refusals = [({"LogConfig": {"Type": "asdf", "Config": {}}}, 400, 'error looking up logging plugin asdf: plugin "asdf" not found'),
                    ({"Isolation": "foobar"}, 400, """Invalid isolation: "foobar" - linux only supports 'default'"""),
                    ({"VolumeDriver": "foo", "Binds": ["vv:/x"]}, 404,
                     'create vv: error looking up volume plugin foo: plugin "foo" not found')]
        for host_config, status, message in refusals:
            with pytest.raises(docker.errors.APIError) as refused:
                api.create_container("busybox", "true", host_config=host_config)
            assert (refused.value.status_code, refused.value.explanation) == (status, message)
    finally:
        for container in made:
            api.remove_container(container)


def test_an_empty_entrypoint_replaces_the_images(busybox):
    busybox.docker("create", "--name", "ep-src", "busybox", "true")
    try:
        busybox.docker("commit", "--change", 'ENTRYPOINT ["echo", "from-entrypoint"]', "--change", 'CMD ["default"]',
                       "ep-src", "ep-image")
        assert busybox.docker("run", "--rm", "ep-image").stdout == "from-entrypoint default\n"
        assert busybox.docker("run", "--rm", "--entrypoint", "", "ep-image", "echo", "hi").stdout == "hi\n"
        none = busybox.docker("run", "--rm", "--entrypoint", "", "ep-image", check=False)
        assert none.returncode == 125 and "No command specified" in none.stderr
    finally:
        busybox.docker("rm", "ep-src")
        busybox.docker("rmi", "ep-image", check=False)
