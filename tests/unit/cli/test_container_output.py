"""Pure parts of the container commands: flag value parsers, the ps table, stats, df, cp plans."""

import pytest

from dockyard.cli.commands.container_files import extract_plan, put_plan, split_cp_arg
from dockyard.cli.commands.create_body import duration_ns, parse_expose, parse_publish, split_volume
from dockyard.wire.humanize import ram_in_bytes
from dockyard.cli.commands.disk_usage import summary_rows
from dockyard.cli.commands.observe import port_lines, relative_time, stats_row
from dockyard.wire.humanize import bytes_size
from dockyard.cli.commands.ps import HEADERS, TABLE, displayable_ports, go_quote, row
from dockyard.cli.commands.run import start_error_exit_code
from dockyard.cli.streams import DetachMatcher, parse_detach_keys
from dockyard.cli.table import format_items
from dockyard.errors import InvalidArgument
from dockyard.wire.humanize import human_duration

NOW = 1_800_000_000


def test_sizes_and_durations_read_as_docker_reads_them():
    assert ram_in_bytes("100m") == 100 << 20 and ram_in_bytes("1.5g") == 3 << 29
    assert ram_in_bytes("512") == 512 and ram_in_bytes("64MB") == 64 << 20
    assert duration_ns("1m30s") == 90 * 10**9 and duration_ns("500ms") == 5 * 10**8
    for bad in ("10x", "", "1.2.3m"):
        with pytest.raises(InvalidArgument):
            duration_ns(bad) if bad != "" else ram_in_bytes("lots")


def test_publish_specs():
    assert parse_publish("8080:80") == [("80/tcp", {"HostIp": "", "HostPort": "8080"})]
    assert parse_publish("127.0.0.1::53/UDP") == [("53/udp", {"HostIp": "127.0.0.1", "HostPort": ""})]
    assert parse_publish("[::1]:8443:443") == [("443/tcp", {"HostIp": "::1", "HostPort": "8443"})]
    assert [p for p, _ in parse_publish("9000-9002:9000-9002")] == ["9000/tcp", "9001/tcp", "9002/tcp"]
    assert parse_publish("8000-8010:80") == [("80/tcp", {"HostIp": "", "HostPort": "8000-8010"})]
    assert parse_expose("6000-6001/udp") == ["6000/udp", "6001/udp"]
    assert parse_publish("0:80") == [("80/tcp", {"HostIp": "", "HostPort": "0"})]
    for bad in ("1.2.3:80:80", "80-82:90-91", "x:80", "8080:", "80/icmp"):
        with pytest.raises(InvalidArgument):
            parse_publish(bad)


def test_volume_specs_split_into_binds_and_anonymous_volumes():
    assert split_volume("/anon", "/cwd") == (None, "/anon")
    assert split_volume("myvol:/data:ro", "/cwd") == ("myvol:/data:ro", "")
    assert split_volume("./here:/in", "/cwd") == ("/cwd/here:/in", "")
    for bad in ("relative", "a:b", "a:/b:ro:x"):
        with pytest.raises(InvalidArgument):
            split_volume(bad, "/")


def test_displayable_ports_group_ranges_and_put_remaps_last():
    ports = [{"PrivatePort": 9001, "PublicPort": 9001, "IP": "0.0.0.0", "Type": "udp"},
             {"PrivatePort": 9000, "PublicPort": 9000, "IP": "0.0.0.0", "Type": "udp"},
             {"PrivatePort": 80, "PublicPort": 18081, "IP": "127.0.0.1", "Type": "tcp"},
             {"PrivatePort": 80, "PublicPort": 18081, "IP": "::", "Type": "tcp"},
             {"PrivatePort": 22, "Type": "tcp"}, {"PrivatePort": 23, "Type": "tcp"},
             {"PrivatePort": 25, "Type": "tcp"}]
    assert displayable_ports(ports) == ("22-23/tcp, 25/tcp, 0.0.0.0:9000-9001->9000-9001/udp, "
                                        "127.0.0.1:18081->80/tcp, [::]:18081->80/tcp")
    assert displayable_ports([]) == ""


def test_ps_rows_render_as_docker_ps():
    container = {"Id": "cf8f34087085" + "e" * 52, "Names": ["/web", "/other/alias"], "Image": "busybox",
                 "Command": "sh -c 'echo \"started\"; while true; do sleep 1; done'", "Created": NOW - 150,
                 "Status": "Up 2 minutes", "State": "running", "Ports": [], "Labels": {"b": "2", "a": "1"},
                 "NetworkSettings": {"Networks": {"bridge": {}, "mynet": {}}}, "SizeRw": 12, "SizeRootFs": 1982000}
    fields = row(container, True, NOW)
    assert fields["Command"] == '"sh -c \'echo \\"starte…"'
    assert fields["RunningFor"] == "2 minutes ago" and fields["Names"] == "web"
    assert fields["Labels"] == "a=1,b=2" and fields["Networks"] == "bridge,mynet"
    assert fields["Size"] == "12B (virtual 1.98MB)"
    table = format_items([fields], None, TABLE, HEADERS).splitlines()
    assert table[0] == ("CONTAINER ID   IMAGE     COMMAND                   CREATED         STATUS         "
                        "PORTS     NAMES")
    assert table[1].startswith("cf8f34087085   busybox   \"sh -c 'echo")
    assert row(container, False, NOW)["Names"] == "web,other/alias"
    assert row({**container, "Image": "sha256:" + "ab" * 32}, True, NOW)["Image"] == "ab" * 6


def test_go_quote_and_durations():
    assert go_quote('a"b\\c\n\x01é') == '"a\\"b\\\\c\\n\\x01é"'
    assert [human_duration(s) for s in (0.5, 1, 59, 61, 3599, 3600, 7200 * 24)] == [
        "Less than a second", "1 second", "59 seconds", "About a minute", "59 minutes", "About an hour", "2 days"]


def test_stats_row_computes_cpu_and_memory_like_docker():
    sample = {"id": "f" * 64, "name": "/web",
              "cpu_stats": {"cpu_usage": {"total_usage": 300}, "system_cpu_usage": 2000, "online_cpus": 2},
              "precpu_stats": {"cpu_usage": {"total_usage": 100}, "system_cpu_usage": 1000},
              "memory_stats": {"usage": 3 << 20, "limit": 1 << 30, "stats": {"total_inactive_file": 1 << 20}},
              "networks": {"eth0": {"rx_bytes": 806, "tx_bytes": 586}},
              "blkio_stats": {"io_service_bytes_recursive": [{"op": "Read", "value": 4096},
                                                             {"op": "Write", "value": 1000}]},
              "pids_stats": {"current": 2}}
    assert stats_row(sample) == {"ID": "f" * 12, "Container": "f" * 12, "Name": "web", "CPUPerc": "40.00%",
                                 "MemUsage": "2MiB / 1GiB", "MemPerc": "0.20%", "NetIO": "806B / 586B",
                                 "BlockIO": "4.1kB / 1kB", "PIDs": "2"}
    assert bytes_size(1536) == "1.5KiB" and bytes_size(23.54 * (1 << 30)) == "23.54GiB"


def test_system_df_summary():
    usage = {"LayersSize": 1982000, "Images": [{"Size": 1982000, "SharedSize": -1, "Containers": 1}],
             "Containers": [{"State": "running", "SizeRw": 12}, {"State": "exited", "SizeRw": 8}],
             "Volumes": [{"UsageData": {"Size": 4000, "RefCount": 0}}, {"UsageData": {"Size": 1000, "RefCount": 1}}],
             "BuildCache": []}
    assert [(r["Type"], r["TotalCount"], r["Active"], r["Size"], r["Reclaimable"]) for r in summary_rows(usage)] == [
        ("Images", "1", "1", "1.982MB", "1.982MB (100%)"), ("Containers", "2", "1", "20B", "8B (40%)"),
        ("Local Volumes", "2", "1", "5kB", "4kB (80%)"), ("Build Cache", "0", "0", "0B", "0B")]


def test_port_lines_and_relative_times():
    ports = {"9000/udp": [{"HostIp": "0.0.0.0", "HostPort": "9000"}], "80/tcp": [
        {"HostIp": "127.0.0.1", "HostPort": "18081"}, {"HostIp": "::", "HostPort": "18081"}], "443/tcp": None}
    assert port_lines(ports) == ["80/tcp -> 127.0.0.1:18081", "80/tcp -> [::]:18081", "9000/udp -> 0.0.0.0:9000"]
    assert relative_time("10m", now=1000.0) == "400.000000000"
    assert relative_time("2026-11-28T00:00:00Z") == "2026-11-28T00:00:00Z"


def test_start_errors_map_to_docker_exit_codes():
    assert start_error_exit_code('exec: "nosuch": executable file not found in $PATH') == 127
    assert start_error_exit_code("open /x: no such file or directory") == 127
    assert start_error_exit_code("exec /etc: permission denied") == 126
    assert start_error_exit_code("cgroup trouble") == 125


def test_detach_keys_are_found_across_reads_and_held_back():
    keys = parse_detach_keys("ctrl-p,ctrl-q")
    assert keys == b"\x10\x11" and parse_detach_keys("ctrl-a,x,ctrl-@") == b"\x01x\x00"
    with pytest.raises(InvalidArgument):
        parse_detach_keys("ctrl-1")
    matcher = DetachMatcher(keys)
    assert matcher.feed(b"ls\x10") == (b"ls", False)
    assert matcher.feed(b"a") == (b"\x10a", False)
    assert matcher.feed(b"\x10\x10") == (b"\x10", False)
    assert matcher.feed(b"\x11rest") == (b"", True)


def test_cp_arguments_and_plans():
    assert split_cp_arg("web:/data") == ("web", "/data")
    assert split_cp_arg("/abs:path") == (None, "/abs:path")
    assert split_cp_arg("./rel:x") == (None, "./rel:x") and split_cp_arg("plain") == (None, "plain")
    directory = {"mode": (1 << 31) | 0o755}
    assert put_plan("/src/a.txt", directory, "/data") == ("/data", "a.txt")
    assert put_plan("/src/a.txt", None, "/data/b.txt") == ("/data", "b.txt")
    assert put_plan("/src/dir/", None, "/new") == ("/", "new")
    with pytest.raises(InvalidArgument):
        put_plan("/src/a.txt", None, "/missing/")


def test_extract_plan(tmp_path):
    (tmp_path / "file").write_text("x")
    assert extract_plan({"mode": 0o644}, str(tmp_path)) == (str(tmp_path), None)
    assert extract_plan({"mode": 0o644}, str(tmp_path / "new")) == (str(tmp_path), "new")
    with pytest.raises(InvalidArgument):
        extract_plan({"mode": 1 << 31}, str(tmp_path / "file"))
    with pytest.raises(InvalidArgument):
        extract_plan({"mode": 0o644}, str(tmp_path / "nodir" / "x"))
