"""The kubelet's log format, written by the shim and read back by `docker logs`."""

from dockyard.shim.crilog import CriLogWriter
from dockyard.shim.jsonlog import MAX_ENTRY
from dockyard.shim.logread import LogFollower, read_entries

T0 = 1_795_000_000_123_000_000


def test_lines_partials_and_the_last_unterminated_line(tmp_path):
    path = str(tmp_path / "0.log")
    log = CriLogWriter(path)
    log.write("stdout", b"one\ntw", T0)
    log.write("stderr", b"err\n", T0 + 1)
    log.flush_partial("stdout", T0 + 2)          # idle: the partial line goes out as P
    log.write("stdout", b"o\nlast", T0 + 3)
    log.close(T0 + 4)                            # the end: a held line is a full one
    assert open(path, "rb").read().splitlines() == [
        b"2026-11-18T11:06:40.123Z stdout F one", b"2026-11-18T11:06:40.123000001Z stderr F err",
        b"2026-11-18T11:06:40.123000002Z stdout P tw", b"2026-11-18T11:06:40.123000003Z stdout F o",
        b"2026-11-18T11:06:40.123000004Z stdout F last"]
    entries = read_entries(path)
    assert b"".join(e.data for e in entries if e.stream == "stdout") == b"one\ntwo\nlast\n"
    assert [(e.stream, e.data, e.time_ns) for e in entries][1] == ("stderr", b"err\n", T0 + 1)


def test_long_lines_are_split_in_16k_partials(tmp_path):
    path = str(tmp_path / "0.log")
    log = CriLogWriter(path)
    log.write("stdout", b"x" * (2 * MAX_ENTRY + 5) + b"\n", T0)
    log.close(T0)
    tags = [line.split(b" ")[2] for line in open(path, "rb").read().splitlines()]
    assert tags == [b"P", b"P", b"F"]
    assert read_entries(path)[-1].data == b"xxxxx\n"


def test_reopen_writes_a_new_file_at_the_path_as_the_kubelet_rotates(tmp_path):
    path = tmp_path / "0.log"
    log = CriLogWriter(str(path))
    follower = LogFollower(str(path), from_end=False)
    log.write("stdout", b"before\n", T0)
    path.rename(tmp_path / "0.log.20261118-110640")
    log.reopen()
    log.write("stdout", b"after\n", T0 + 1)
    log.close(T0 + 1)
    assert (tmp_path / "0.log.20261118-110640").read_bytes().endswith(b"F before\n")
    assert path.read_bytes().endswith(b"F after\n")
    assert [e.data for e in follower.read_new()] == [b"before\n", b"after\n"]
