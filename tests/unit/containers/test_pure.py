import random

import pytest

from dockyard.containers import names
from dockyard.containers.defaults import command_line, merge_image_config, split_create_body, with_default_hostname
from dockyard.containers.filters import prunable, select
from dockyard.containers.inspect import port_list, summary_body
from dockyard.containers.model import Container, State
from dockyard.containers.restart_policy import Backoff, should_restart, starts_with_daemon
from dockyard.containers.status_text import status_text
from dockyard.wire.humanize import human_duration
from dockyard.errors import Conflict, InvalidArgument, NotFound
from dockyard.wire.stdcopy import Demultiplexer, frame

S = 1_000_000_000


def container(cid, name, created, status="running", **config):
    return Container(cid, name, created, "sha256:img", {"Image": "busybox", **config},
                     {"NetworkMode": "default"}, state=State(status=status))


def test_names_validate_generate_and_resolve():
    assert names.validate("/web-1") == "web-1"
    with pytest.raises(InvalidArgument, match=r"Invalid container name \(-x\)"):
        names.validate("-x")
    assert "_" in names.generate(set(), random.Random(1))
    ids = ["abc123", "abd456"]
    assert names.resolve("web", {"web": "abd456"}, ids) == "abd456"
    assert names.resolve("abc", {}, ids) == "abc123"
    with pytest.raises(InvalidArgument, match="multiple IDs"):
        names.resolve("ab", {}, ids)
    with pytest.raises(NotFound, match="No such container: zz"):
        names.resolve("zz", {}, ids)
    assert "is already in use by container" in str(names.name_conflict("tt", "x"))
    assert isinstance(names.name_conflict("tt", "x"), Conflict)


def test_create_body_defaults_and_bad_restart_policy():
    config, host, net = split_create_body({"Image": "busybox", "Cmd": ["true"], "NewField": 1,
                                           "HostConfig": {"Memory": 5, "FutureKnob": True}})
    assert config == {"Image": "busybox", "Cmd": ["true"]}
    assert host["Memory"] == 5 and host["FutureKnob"] is True and host["RestartPolicy"] == {"Name": "", "MaximumRetryCount": 0}
    assert host["LogConfig"] == {"Type": "", "Config": {}}    # the daemon's driver is merged in at create
    with pytest.raises(InvalidArgument, match="invalid restart policy"):
        split_create_body({"HostConfig": {"RestartPolicy": {"Name": "sometimes"}}})
    with pytest.raises(InvalidArgument, match="""Invalid isolation: "foobar" - linux only supports 'default'"""):
        split_create_body({"HostConfig": {"Isolation": "foobar"}})
    assert split_create_body({"HostConfig": {"Isolation": "default"}})[1]["Isolation"] == "default"


def test_dockerd_fills_what_a_request_leaves_open():
    from dockyard.containers.defaults import fill_host_defaults
    from dockyard.oci.defaults import MASKED_PATHS

    _, host, _ = split_create_body({"HostConfig": {"Memory": 64 << 20, "PidsLimit": 0}})
    filled = fill_host_defaults(host, cgroup_v2=False)
    assert (filled["IpcMode"], filled["ShmSize"], filled["CgroupnsMode"]) == ("private", 64 << 20, "host")
    assert filled["MemorySwap"] == 128 << 20 and filled["PidsLimit"] is None
    assert filled["MaskedPaths"] == list(MASKED_PATHS) and filled["Dns"] is None and filled["OomKillDisable"] is False
    assert fill_host_defaults(host, cgroup_v2=True)["CgroupnsMode"] == "private"
    privileged = fill_host_defaults({**host, "Privileged": True, "IpcMode": "shareable"}, cgroup_v2=False)
    assert privileged["MaskedPaths"] is None and privileged["IpcMode"] == "shareable"


def test_image_config_merges_under_the_users():
    image = {"Env": ["PATH=/bin", "A=1"], "Cmd": ["sh"], "Entrypoint": None, "WorkingDir": "/app",
             "Labels": {"a": "1"}, "ExposedPorts": {"80/tcp": {}}}
    merged = merge_image_config({"Env": ["A=2"], "Labels": {"b": "2"}}, image)
    assert merged["Env"] == ["A=2", "PATH=/bin"] and merged["Cmd"] == ["sh"] and merged["WorkingDir"] == "/app"
    assert merged["Labels"] == {"a": "1", "b": "2"} and merged["ExposedPorts"] == {"80/tcp": {}}
    with_entry = merge_image_config({"Entrypoint": ["echo"]}, image)
    assert with_entry["Cmd"] is None and command_line(with_entry) == ("echo", [])
    assert command_line(merge_image_config({"Cmd": ["ls", "-l"]}, image)) == ("ls", ["-l"])
    with pytest.raises(InvalidArgument, match="No command specified"):
        command_line(merge_image_config({}, {}))


def test_hostname_defaults_to_the_short_id_unless_the_network_stack_is_shared():
    cid = "ab" * 32
    assert with_default_hostname({"Hostname": ""}, {"NetworkMode": "bridge"}, cid)["Hostname"] == cid[:12]
    assert with_default_hostname({"Hostname": "web"}, {}, cid)["Hostname"] == "web"
    assert with_default_hostname({"Hostname": ""}, {"NetworkMode": "host"}, cid)["Hostname"] == ""
    assert with_default_hostname({"Hostname": ""}, {"NetworkMode": "container:x"}, cid)["Hostname"] == ""


def test_status_text_as_docker_words_it():
    assert human_duration(0.5) == "Less than a second" and human_duration(90) == "About a minute"
    assert human_duration(3 * 3600) == "3 hours" and human_duration(3 * 86400) == "3 days"
    now = 100 * S
    assert status_text(State("running", started_at=now - 5 * S), now) == "Up 5 seconds"
    assert status_text(State("exited", exit_code=3, finished_at=now - 120 * S), now) == "Exited (3) 2 minutes ago"
    assert status_text(State("created"), now) == "Created"
    assert status_text(State("paused", started_at=now - S), now) == "Up 1 second (Paused)"
    healthy = State("running", started_at=now - 2 * S, health={"Status": "healthy"})
    assert status_text(healthy, now) == "Up 2 seconds (healthy)"


def test_ps_filters_and_order():
    cs = [container("a1", "web", 1, Labels={"tier": "front"}), container("b2", "db", 2, status="exited"),
          container("c3", "cache", 3)]
    cs[1].state.exit_code = 3
    by = {c.id: c for c in cs}

    def pick(filters, all_=True, limit=None):
        return [c.name for c in select(cs, filters, all_, limit, lambda r: by[r], lambda c, v: c.config["Image"] == v)]

    assert pick({}, all_=False) == ["cache", "web"]
    assert pick({}) == ["cache", "db", "web"]
    assert pick({}, all_=False, limit=-1) == ["cache", "web"]  # docker-py always sends limit=-1
    assert pick({}, all_=False, limit=2) == ["cache", "db"]    # a positive limit implies all, as dockerd
    assert pick({"status": ["exited"]}, all_=False) == ["db"]
    assert pick({"label": ["tier=front"]}) == ["web"]
    assert pick({"label": ["tier=front", "tier=back"]}) == []  # every label must match, as compose relies on
    assert pick({"name": ["^c"]}) == ["cache"]
    assert pick({"exited": ["3"]}) == ["db"]
    assert pick({"before": ["c3"]}) == ["db", "web"]
    assert pick({"since": ["a1"]}, limit=1) == ["cache"]
    assert pick({"ancestor": ["busybox"]}) == ["cache", "db", "web"]
    with pytest.raises(InvalidArgument):
        pick({"status": ["sleeping"]})


def test_prune_takes_stopped_containers_by_label_and_age():
    old = container("a1", "old", 10, status="exited", Labels={"keep": "yes"})
    new = container("b2", "new", 20, status="created")
    running = container("c3", "up", 5)
    chosen = lambda filters, until=None: [c.name for c in (old, new, running) if prunable(c, filters, until)]
    assert chosen({}) == ["old", "new"]
    assert chosen({"label": ["keep"]}) == ["old"]
    assert chosen({"label!": ["keep=yes"]}) == ["new"]
    assert chosen({"label!": ["keep=no"]}) == ["old", "new"]
    assert chosen({}, until=15) == ["old"]


def test_summary_ports():
    assert port_list({"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8080"}], "53/udp": None}) == [
        {"PrivatePort": 53, "Type": "udp"},
        {"IP": "127.0.0.1", "PrivatePort": 80, "PublicPort": 8080, "Type": "tcp"}]
    c = container("a1", "web", 5 * S)
    c.path, c.args = "sh", ["-c", "true"]
    body = summary_body(c, 6 * S)
    assert body["Names"] == ["/web"] and body["Command"] == "sh -c true" and body["Created"] == 5


def test_restart_policies():
    assert should_restart({"Name": "always"}, 0, 5, False)
    assert not should_restart({"Name": "always"}, 0, 5, True)
    assert should_restart({"Name": "on-failure", "MaximumRetryCount": 2}, 1, 1, False)
    assert not should_restart({"Name": "on-failure", "MaximumRetryCount": 2}, 1, 2, False)
    assert not should_restart({"Name": "on-failure"}, 0, 0, False)
    assert not should_restart({"Name": "no"}, 1, 0, False)
    assert starts_with_daemon({"Name": "unless-stopped"}, False) and not starts_with_daemon({"Name": "unless-stopped"}, True)
    backoff = Backoff()
    assert [backoff.next(1), backoff.next(1), backoff.next(1), backoff.next(20)] == [0.1, 0.2, 0.4, 0.1]


def test_stdcopy_round_trip():
    data = frame(1, b"hello\n") + frame(2, b"oops")
    demux = Demultiplexer()
    assert demux.feed(data[:5]) == []
    assert demux.feed(data[5:]) == [(1, b"hello\n"), (2, b"oops")]
    assert frame(1, b"bin\n")[:8] == b"\x01\x00\x00\x00\x00\x00\x00\x04"


def test_detach_keys():
    from dockyard.containers.attach import DetachScanner, parse_detach_keys
    keys = parse_detach_keys("ctrl-p,ctrl-q")
    assert keys == b"\x10\x11"
    scanner = DetachScanner(keys)
    assert scanner.feed(b"ab\x10") == (b"ab", False)
    assert scanner.feed(b"x") == (b"\x10x", False)
    assert scanner.feed(b"\x10\x11rest") == (b"", True)
    with pytest.raises(InvalidArgument):
        parse_detach_keys("ctrl-ü")


def test_changes_from_a_layer_diff(tmp_path):
    import io
    import tarfile

    from dockyard.containers.changes import changes_from_diff
    lower = tmp_path / "lower"
    (lower / "etc").mkdir(parents=True)
    (lower / "etc" / "passwd").write_text("x")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, kind in [("etc", tarfile.DIRTYPE), ("etc/passwd", tarfile.REGTYPE), ("etc/.wh.group", tarfile.REGTYPE),
                           ("data", tarfile.DIRTYPE), ("data/a.txt", tarfile.REGTYPE),
                           ("empty", tarfile.DIRTYPE)]:
            info = tarfile.TarInfo(name)
            info.type = kind
            tar.addfile(info, io.BytesIO(b""))
    buf.seek(0)
    assert changes_from_diff(buf, [str(lower)]) == [
        {"Path": "/data", "Kind": 1}, {"Path": "/data/a.txt", "Kind": 1}, {"Path": "/empty", "Kind": 1},
        {"Path": "/etc", "Kind": 0}, {"Path": "/etc/group", "Kind": 2}, {"Path": "/etc/passwd", "Kind": 0}]


def test_health_rules():
    from dockyard.containers.health import probe_argv, record_result, settings
    assert probe_argv(["CMD-SHELL", "curl -f x"]) == ["/bin/sh", "-c", "curl -f x"]
    assert probe_argv(["CMD", "true"]) == ["true"] and probe_argv(["NONE"]) is None
    config = settings({"Retries": 2, "StartPeriod": 10 * S})
    health = {"Status": "starting", "FailingStreak": 0, "Log": []}
    fail, ok = {"ExitCode": 1}, {"ExitCode": 0}
    assert record_result(health, fail, 0, 1 * S, config) is None and health["FailingStreak"] == 0  # start period
    assert record_result(health, ok, 0, 2 * S, config) == "healthy"
    assert record_result(health, fail, 0, 3 * S, config) is None and health["FailingStreak"] == 1
    assert record_result(health, fail, 0, 4 * S, config) == "unhealthy"
    for _ in range(5):
        record_result(health, fail, 0, 5 * S, config)
    assert len(health["Log"]) == 5


def test_stopped_containers_keep_network_names_only():
    from dockyard.containers.inspect import stopped_network_settings
    live = {"Networks": {"bridge": {"IPAddress": "172.17.0.2", "NetworkID": "n1", "Gateway": "172.17.0.1"}},
            "Ports": {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}]}, "SandboxKey": "/run/x"}
    stopped = stopped_network_settings(live)
    assert stopped["Ports"] == {} and stopped["SandboxKey"] == ""
    assert stopped["Networks"]["bridge"]["NetworkID"] == "n1" and stopped["Networks"]["bridge"]["IPAddress"] == ""
