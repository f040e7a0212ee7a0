"""Finding a container's oom_kill counter from /proc/<pid>/cgroup (v1, v2, hybrid)."""

from dockyard.shim.oom import OomProbe, _counter_files, read_oom_kills


def test_v1_memory_controller_file(tmp_path):
    files = _counter_files("12:memory:/dockyard/abc\n3:cpu,cpuacct:/dockyard/abc\n0::/", tmp_path)
    assert files[0] == tmp_path / "memory" / "dockyard/abc" / "memory.oom_control"


def test_v2_unified_files(tmp_path):
    files = _counter_files("0::/dockyard/abc\n", tmp_path)
    assert files == [tmp_path / "unified" / "dockyard/abc" / "memory.events",
                     tmp_path / "dockyard/abc" / "memory.events"]


def test_counter_read_and_compared_to_baseline(tmp_path):
    events = tmp_path / "dockyard" / "memory.events"
    events.parent.mkdir()
    events.write_text("low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n")
    probe = OomProbe([tmp_path / "missing" / "memory.events", events])
    assert probe.baseline == 1 and not probe.oom_killed()
    events.write_text("low 0\nhigh 0\nmax 9\noom 2\noom_kill 2\n")
    assert probe.oom_killed()
    assert read_oom_kills([tmp_path / "nothing"]) == 0
    assert not OomProbe([]).oom_killed()
