"""json-file log writer: Docker's entry format, 16 KiB split, partial lines, rotation."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from dockyard.shim.jsonlog import (MAX_ENTRY, JsonLogWriter, RotatingFile, encode_entry, format_time,
                                    split_entries)
from dockyard.shim.logopts import LogConfig

T0 = 1_795_000_000_123_456_789
UNLIMITED = LogConfig(0, 1)


def entries_of(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_format_time_is_go_rfc3339nano():
    assert format_time(T0) == b"2026-11-18T11:06:40.123456789Z"
    assert format_time(1_795_000_000_120_000_000) == b"2026-11-18T11:06:40.12Z"
    assert format_time(1_795_000_000_000_000_000) == b"2026-11-18T11:06:40Z"


def test_lines_become_entries_with_stream_and_time(tmp_path):
    log = JsonLogWriter(RotatingFile(str(tmp_path / "c.log"), UNLIMITED))
    log.write("stdout", b"hello\nwor", T0)
    log.write("stderr", b"oops\n", T0)
    log.write("stdout", b"ld\n", T0 + 1)
    log.close(T0 + 2)
    lines = (tmp_path / "c.log").read_text().splitlines()
    assert lines[0] == '{"log":"hello\\n","stream":"stdout","time":"2026-11-18T11:06:40.123456789Z"}'
    assert [(e["log"], e["stream"]) for e in entries_of(tmp_path / "c.log")] == [
        ("hello\n", "stdout"), ("oops\n", "stderr"), ("world\n", "stdout")]


def test_escaping_and_non_utf8(tmp_path):
    log = JsonLogWriter(RotatingFile(str(tmp_path / "c.log"), UNLIMITED))
    log.write("stdout", b'say "hi"\\\t\x1b[0m caf\xc3\xa9 \xff\r\n', T0)
    log.close(T0)
    assert entries_of(tmp_path / "c.log")[0]["log"] == 'say "hi"\\\t\x1b[0m café \ufffd\r\n'


def test_long_line_split_at_16k_like_docker(tmp_path):
    log = JsonLogWriter(RotatingFile(str(tmp_path / "c.log"), UNLIMITED))
    log.write("stdout", b"a" * (MAX_ENTRY * 2 + 10) + b"\n", T0)
    log.close(T0)
    logs = [e["log"] for e in entries_of(tmp_path / "c.log")]
    assert [len(x) for x in logs] == [MAX_ENTRY, MAX_ENTRY, 11]
    assert not logs[0].endswith("\n") and logs[2].endswith("\n")


def test_partial_line_flushed_without_newline(tmp_path):
    log = JsonLogWriter(RotatingFile(str(tmp_path / "c.log"), UNLIMITED))
    log.write("stdout", b"$ prompt", T0)
    assert (tmp_path / "c.log").read_bytes() == b""      # held until a newline, EOF or a flush
    log.flush_partial("stdout", T0)
    log.write("stdout", b" more\n", T0)
    log.close(T0)
    assert [e["log"] for e in entries_of(tmp_path / "c.log")] == ["$ prompt", " more\n"]


@settings(max_examples=200)
@given(st.lists(st.binary(max_size=40000), max_size=8))
def test_split_keeps_every_byte_and_bounds_entries(chunks):
    pending, out = b"", []
    for chunk in chunks:
        entries, pending = split_entries(pending, chunk)
        out += entries
    assert b"".join(out) + pending == b"".join(chunks)
    assert all(len(e) <= MAX_ENTRY for e in out)
    assert all(e.endswith(b"\n") or len(e) == MAX_ENTRY for e in out)
    assert all(b"\n" not in e[:-1] for e in out)


def test_rotation_keeps_max_file_files_under_max_size(tmp_path):
    path = tmp_path / "c.log"
    log = JsonLogWriter(RotatingFile(str(path), LogConfig(1024, 3)))
    for index in range(200):
        log.write("stdout", f"line {index:04d}\n".encode(), T0)
    log.close(T0)
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["c.log", "c.log.1", "c.log.2"]
    for name in files:
        assert (tmp_path / name).stat().st_size <= 1024
    kept = [int(e["log"].split()[1]) for name in files[::-1] for e in entries_of(tmp_path / name)]
    assert kept == list(range(kept[0], 200)) and kept[0] > 100    # the newest, in order, no gap


def test_rotation_of_a_big_write_splits_at_entries(tmp_path):
    path = tmp_path / "c.log"
    log = JsonLogWriter(RotatingFile(str(path), LogConfig(2000, 2)))
    log.write("stdout", b"".join(b"x%03d\n" % i for i in range(300)), T0)
    log.close(T0)
    assert {p.name for p in tmp_path.iterdir()} == {"c.log", "c.log.1"}
    assert all((tmp_path / n).stat().st_size <= 2000 for n in ("c.log", "c.log.1"))
    assert entries_of(path)[-1]["log"] == "x299\n"


def test_max_file_one_truncates(tmp_path):
    path = tmp_path / "c.log"
    log = JsonLogWriter(RotatingFile(str(path), LogConfig(500, 1)))
    for index in range(50):
        log.write("stdout", f"{index}\n".encode(), T0)
    log.close(T0)
    assert [p.name for p in tmp_path.iterdir()] == ["c.log"]
    assert path.stat().st_size <= 500 and entries_of(path)[-1]["log"] == "49\n"


def test_reopening_appends(tmp_path):
    path = tmp_path / "c.log"
    for word in (b"one\n", b"two\n"):
        log = JsonLogWriter(RotatingFile(str(path), UNLIMITED))
        log.write("stdout", word, T0)
        log.close(T0)
    assert [e["log"] for e in entries_of(path)] == ["one\n", "two\n"]


ASCII_CHUNKS = st.text(alphabet=st.characters(max_codepoint=127), max_size=3000).map(str.encode)


@settings(max_examples=300)
@given(st.lists(ASCII_CHUNKS | st.sampled_from([b"\r\n", b"a\tb\n", b"\n", b"x" * 17000]), max_size=10))
def test_any_output_logs_back_to_the_same_text(tmp_path_factory, chunks):
    path = tmp_path_factory.mktemp("log") / "c.log"
    log = JsonLogWriter(RotatingFile(str(path), UNLIMITED))
    for chunk in chunks:
        log.write("stdout", chunk, T0)
    log.close(T0)
    entries = entries_of(path)
    assert "".join(e["log"] for e in entries) == b"".join(chunks).decode()
    assert all(len(e["log"]) <= MAX_ENTRY for e in entries)
    assert all(e["log"].endswith("\n") or len(e["log"]) == MAX_ENTRY for e in entries[:-1])


def _reference_entry(log: bytes) -> bytes:
    text = json.dumps(log.decode("utf-8", "replace"), ensure_ascii=False)
    return b'{"log":' + text.encode() + b',"stream":"stdout","time":"T"}\n'


@settings(max_examples=200)
@given(st.one_of(st.binary(max_size=MAX_ENTRY), st.integers(0, MAX_ENTRY).map(bytes),
                 st.integers(1, 64).map(lambda n: bytes(n) + b"\x01")))
def test_entries_match_the_json_encoder_zero_filled_ones_included(log):
    assert encode_entry(log, b"stdout", b"T") == _reference_entry(log)
