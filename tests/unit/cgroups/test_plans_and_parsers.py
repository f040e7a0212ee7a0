from dockyard.cgroups.mounts import parse_mountinfo, parse_proc_cgroup
from dockyard.cgroups.resources import plan_v1, plan_v2, shares_to_weight
from dockyard.cgroups.stats import parse_blkio_v1, parse_flat_keyed, parse_io_stat_v2
from dockyard.oci.resources import linux_resources

MOUNTINFO = """\
25 30 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
31 25 0:26 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
34 31 0:29 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,memory
35 31 0:30 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:16 - cgroup cgroup rw,cpu,cpuacct
36 31 0:31 / /sys/fs/cgroup/systemd rw,relatime shared:17 - cgroup cgroup rw,xattr,name=systemd
37 31 0:32 / /sys/fs/cgroup/unified rw,relatime shared:18 - cgroup2 cgroup2 rw,nsdelegate
"""


def test_mountinfo_finds_v1_and_v2_hierarchies():
    found = {h.mountpoint: (h.controllers, h.version) for h in parse_mountinfo(MOUNTINFO)}
    assert found == {
        "/sys/fs/cgroup/memory": (("memory",), 1),
        "/sys/fs/cgroup/cpu,cpuacct": (("cpu", "cpuacct"), 1),
        "/sys/fs/cgroup/systemd": (("name=systemd",), 1),
        "/sys/fs/cgroup/unified": ((), 2),
    }


def test_proc_cgroup():
    assert parse_proc_cgroup("4:memory:/a/b\n2:cpu,cpuacct:/\n0::/x\n") == {
        "memory": "/a/b", "cpu": "/", "cpuacct": "/", "": "/x"}


HOST = {"Memory": 32 << 20, "NanoCpus": 1_500_000_000, "PidsLimit": 64, "CpuShares": 512,
        "CpusetCpus": "0-1", "BlkioWeight": 300, "MemoryReservation": 16 << 20}


def test_v1_plan_from_docker_flags():
    writes = plan_v1(linux_resources(HOST, privileged=False))
    assert ("memory", "memory.limit_in_bytes", str(32 << 20)) in writes
    assert ("memory", "memory.memsw.limit_in_bytes", str(64 << 20)) in writes
    assert ("memory", "memory.soft_limit_in_bytes", str(16 << 20)) in writes
    assert ("cpu", "cpu.cfs_quota_us", "150000") in writes
    assert ("cpu", "cpu.cfs_period_us", "100000") in writes
    assert ("cpu", "cpu.shares", "512") in writes
    assert ("cpuset", "cpuset.cpus", "0-1") in writes
    assert ("pids", "pids.max", "64") in writes
    assert ("blkio", "blkio.weight", "300") in writes
    assert writes[0] == ("devices", "devices.deny", "a *:* rwm")
    assert ("devices", "devices.allow", "c 136:* rwm") in writes


def test_v2_plan_from_docker_flags():
    writes = plan_v2(linux_resources(HOST, privileged=False))
    assert ("memory", "memory.max", str(32 << 20)) in writes
    assert ("memory", "memory.swap.max", str(32 << 20)) in writes
    assert ("cpu", "cpu.max", "150000 100000") in writes
    assert ("cpu", "cpu.weight", str(shares_to_weight(512))) in writes
    assert ("pids", "pids.max", "64") in writes
    assert shares_to_weight(1024) == 39 and shares_to_weight(2) == 1


def test_stat_parsers():
    assert parse_flat_keyed("cache 10\ntotal_inactive_file 7\noom_kill_disable 0\n")["total_inactive_file"] == 7
    assert parse_blkio_v1("8:0 Read 100\n8:0 Write 5\n8:16 Read 1\nTotal 106\n") == (101, 5)
    assert parse_io_stat_v2("8:0 rbytes=10 wbytes=20 rios=1\n8:16 rbytes=1 wbytes=0\n") == (11, 20)


def test_real_time_cpu_scheduling_is_applied_on_v1_and_refused_on_v2():
    import pytest

    from dockyard.errors import InvalidArgument

    resources = linux_resources({"CpuRealtimePeriod": 1_000_000, "CpuRealtimeRuntime": 950_000}, False)
    assert resources["cpu"] == {"realtimePeriod": 1_000_000, "realtimeRuntime": 950_000}
    assert plan_v1(resources)[-2:] == [("cpu", "cpu.rt_period_us", "1000000"), ("cpu", "cpu.rt_runtime_us", "950000")]
    with pytest.raises(InvalidArgument, match="needs cgroup v1"):
        plan_v2(resources)


def test_own_procs_file_is_in_a_mounted_hierarchy_where_the_process_is():
    from dockyard.cgroups.move_warmup import own_procs_file
    hierarchies = parse_mountinfo(MOUNTINFO)
    proc = "5:memory:/system.slice/d.service\n3:cpu,cpuacct:/\n1:name=systemd:/x\n0::/u\n"
    assert own_procs_file(hierarchies, proc) == "/sys/fs/cgroup/memory/system.slice/d.service/cgroup.procs"
    assert own_procs_file(hierarchies[3:], proc) == "/sys/fs/cgroup/unified/u/cgroup.procs"
    assert own_procs_file(hierarchies, "7:pids:/\n") is None      # no such hierarchy mounted
    assert own_procs_file([], proc) is None
