"""docker-py drives dockyardd as it drives dockerd."""

import pytest

pytestmark = pytest.mark.root


def test_containers_run_and_logs(busybox):
    client = busybox.client()
    assert client.containers.run("busybox", ["echo", "from docker-py"], remove=True) == b"from docker-py\n"


def test_exec_run_logs_stream_wait_attach(busybox):
    client = busybox.client()
    container = client.containers.run("busybox", ["sh", "-c", "for i in 1 2 3; do echo $i; sleep 0.1; done; sleep 30"],
                                      detach=True)
    try:
        code, out = container.exec_run(["sh", "-c", "echo exec; exit 4"])
        assert (code, out) == (4, b"exec\n")
        lines = []
        for chunk in container.logs(stream=True, follow=True):
            lines.append(chunk)
            if b"".join(lines).count(b"\n") >= 3:
                break
        assert b"".join(lines).startswith(b"1\n2\n3\n")
        socket = container.attach_socket(params={"stdout": 1, "stream": 1})
        container.kill()
        assert container.wait()["StatusCode"] == 137
        socket.close()
    finally:
        container.remove(force=True)


def test_containers_list_shows_only_running_ones_though_docker_py_sends_limit_minus_one(busybox):
    client = busybox.client()
    label = {"pin": "list-limit"}
    created = client.containers.create("busybox", ["sleep", "30"], labels=label)
    running = client.containers.run("busybox", ["sleep", "30"], labels=label, detach=True)
    try:
        only = {"label": "pin=list-limit"}
        assert [c.id for c in client.containers.list(filters=only)] == [running.id]
        assert {c.id for c in client.containers.list(all=True, filters=only)} == {created.id, running.id}
        assert [c.id for c in client.containers.list(limit=1, filters=only)] == [running.id]  # newest, any state
        assert len(client.containers.list(limit=2, filters=only)) == 2
    finally:
        for c in (created, running):
            c.remove(force=True)


def test_attach_without_stream_gives_the_logs_and_prune_counts_what_it_reclaims(busybox):
    api = busybox.client().api
    done = api.create_container("busybox", ["sh", "-c", "echo hello; head -c 100000 /dev/zero > /filler"],
                                labels={"pin": "prune-count"})
    running = api.create_container("busybox", ["sleep", "60"], labels={"pin": "prune-count"})
    try:
        api.start(done)
        api.start(running)
        assert api.wait(done)["StatusCode"] == 0
        assert api.attach(done, stream=False, logs=True) == b"hello\n"   # was a wait for a next start
        assert api.attach(done, stream=False, logs=False) == b""
        pruned = api.prune_containers(filters={"label": "pin=prune-count"})
        assert pruned["ContainersDeleted"] == [done["Id"]] and pruned["SpaceReclaimed"] >= 100000
    finally:
        api.remove_container(running, force=True)


def test_host_config_runtime_names_the_runtime_even_the_default_and_docker_pys_runtime_counts(busybox):
    api = busybox.client().api
    chosen = api.create_container("busybox", ["echo", "test"], runtime="runc")   # sent beside HostConfig
    default = api.create_container("busybox", ["echo", "test"])
    try:
        assert api.inspect_container(chosen)["HostConfig"]["Runtime"] == "runc"
        assert api.inspect_container(default)["HostConfig"]["Runtime"] == api.info()["DefaultRuntime"]
        api.start(chosen)
        assert api.wait(chosen)["StatusCode"] == 0 and api.logs(chosen) == b"test\n"
    finally:
        api.remove_container(chosen)
        api.remove_container(default)


def test_inspect_shows_what_dockerd_shows_for_a_request_that_sets_little(busybox):
    api = busybox.client().api
    container = api.create_container("busybox", "sleep 60",
                                     healthcheck={"test": ["CMD", "true"], "interval": 5_000_000_000},
                                     host_config=api.create_host_config(mem_limit="64m"))
    try:
        info = api.inspect_container(container)
        host, config = info["HostConfig"], info["Config"]
        assert (host["IpcMode"], host["ShmSize"], host["MemorySwap"]) == ("private", 64 << 20, 128 << 20)
        assert host["CgroupnsMode"] in ("host", "private") and host["MaskedPaths"] and host["ReadonlyPaths"]
        assert (host["Dns"], host["PortBindings"], host["PidsLimit"], host["RestartPolicy"]["Name"]) == (None, None, None, "")
        assert not {"Init", "Mounts", "Sysctls", "Tmpfs"} & set(host)                 # omitted when empty
        assert not {"ExposedPorts", "NetworkDisabled"} & set(config)
        assert config["Healthcheck"] == {"Test": ["CMD", "true"], "Interval": 5_000_000_000}
        assert info["LogPath"] == ""                                                   # until it starts
        api.start(container)
        api.restart(container, timeout=0)
        info = api.inspect_container(container)
        assert info["LogPath"] and info["State"]["FinishedAt"] != "0001-01-01T00:00:00Z"   # kept by a restart
        memsw = api.exec_start(api.exec_create(container, ["sh", "-c", "cat /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes 2>/dev/null"]))
        assert memsw.strip() in (str(128 << 20).encode(), b"")   # the swap inspect shows is the real limit
    finally:
        api.remove_container(container, force=True)
    # the docker CLI sends `--entrypoint ""` as [""]: no entrypoint, shown as null by dockerd
    name = "no-entrypoint"
    busybox.docker("create", "--name", name, "--entrypoint", "", "busybox", "sleep", "1")
    try:
        assert busybox.docker("inspect", "-f", "{{json .Config.Entrypoint}}", name).stdout.strip() == "null"
    finally:
        busybox.docker("rm", name)


def test_logs_hold_what_a_running_container_has_written(busybox):
    """`docker logs` asks the shim to read and log what is pending first: output the container
    wrote before the call is there (docker-py's suite reads logs right after `start`)."""
    api = busybox.client().api
    container = api.create_container("busybox", ["sh", "-c", "for i in 1 2 3; do echo line$i; done; touch /done; sleep 60"])
    api.start(container)
    try:
        for _ in range(200):
            probe = api.exec_create(container, ["test", "-e", "/done"])
            api.exec_start(probe)
            if api.exec_inspect(probe)["ExitCode"] == 0:
                break
        assert api.logs(container) == b"line1\nline2\nline3\n"
    finally:
        api.remove_container(container, force=True)
