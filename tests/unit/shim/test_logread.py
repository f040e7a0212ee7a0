"""Reading json-file logs: order across rotations, tail, since/until, streams, follow."""

from dockyard.shim.jsonlog import JsonLogWriter, RotatingFile, format_time
from dockyard.shim.logopts import LogConfig
from dockyard.shim.logread import LogFollower, parse_line, parse_time, read_entries

T0 = 1_795_000_000_000_000_000


def write(path, lines, config=LogConfig(0, 1), start=T0):
    log = JsonLogWriter(RotatingFile(str(path), config))
    for index, (stream, text) in enumerate(lines):
        log.write(stream, text, start + index * 1_000_000)
    log.close(start)


def test_parse_time_round_trips_the_writer_format():
    for ns in (T0, T0 + 1, T0 + 120_000_000, T0 + 999_999_999):
        assert parse_time(format_time(ns).decode()) == ns
    assert parse_time("2026-11-18T12:06:40.5+01:00") == T0 + 500_000_000


def test_torn_or_garbage_lines_are_skipped():
    assert parse_line(b'{"log":"x\\n","stream":"stdout"') is None
    assert parse_line(b"hello") is None


def test_order_across_rotated_files_and_filters(tmp_path):
    path = tmp_path / "c.log"
    lines = [("stdout" if i % 3 else "stderr", f"line {i:03d}\n".encode()) for i in range(300)]
    write(path, lines, LogConfig(2048, 20))
    assert (tmp_path / "c.log.3").exists()
    everything = read_entries(str(path))
    assert [e.data for e in everything] == [text for _, text in lines]
    stdout_only = read_entries(str(path), streams=("stdout",))
    assert all(e.stream == "stdout" for e in stdout_only) and len(stdout_only) == 200
    last = read_entries(str(path), tail=5)
    assert [e.data for e in last] == [text for _, text in lines[-5:]]
    assert [e.data for e in read_entries(str(path), tail=2, streams=("stderr",))] == [b"line 294\n", b"line 297\n"]
    window = read_entries(str(path), since_ns=T0 + 10_000_000, until_ns=T0 + 12_000_000)
    assert [e.data for e in window] == [b"line 010\n", b"line 011\n", b"line 012\n"]
    assert read_entries(str(path), tail=0) == []
    assert read_entries(str(tmp_path / "missing.log")) == []


def test_follow_sees_new_lines_through_rotation(tmp_path):
    path = tmp_path / "c.log"
    log = JsonLogWriter(RotatingFile(str(path), LogConfig(300, 3)))
    log.write("stdout", b"before\n", T0)
    follower = LogFollower(str(path))
    seen = []
    for index in range(20):
        log.write("stdout", f"after {index:02d}\n".encode(), T0)
        if index % 3 == 0:
            seen += follower.read_new()
    log.close(T0)
    seen += follower.read_new()
    follower.close()
    assert [e.data for e in seen] == [f"after {i:02d}\n".encode() for i in range(20)]


def test_follow_of_a_log_that_does_not_exist_yet(tmp_path):
    follower = LogFollower(str(tmp_path / "later.log"))
    assert follower.read_new() == []
    write(tmp_path / "later.log", [("stdout", b"hello\n")])
    assert [e.data for e in follower.read_new()] == [b"hello\n"]
