"""dockyard.cgroups against the kernel: v1 controllers, and v2 on the unified mount."""

import os
import signal
import time
import uuid

import pytest

from dockyard.cgroups import CgroupV1, CgroupV2, open_cgroup
from dockyard.cgroups.mounts import read_hierarchies

pytestmark = pytest.mark.root


def _v2_root() -> str | None:
    return next((h.mountpoint for h in read_hierarchies() if h.version == 2), None)


def _sleeper() -> int:
    pid = os.fork()
    if pid == 0:
        time.sleep(30)
        os._exit(0)
    return pid


def _reap(pid: int) -> int:
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


@pytest.fixture
def parent():
    name = f"/dockyard-test-{uuid.uuid4().hex[:8]}"
    yield name
    open_cgroup(name).delete()
    root = _v2_root()
    if root:
        CgroupV2(name, root).delete()


def test_v1_limits_stats_freeze_and_delete(parent):
    cgroup = open_cgroup(f"{parent}/a")
    if not isinstance(cgroup, CgroupV1):
        pytest.skip("host has no cgroup v1 controllers")
    cgroup.create()
    cgroup.apply({"memory": {"limit": 64 << 20, "swap": 128 << 20}, "pids": {"limit": 5},
                  "cpu": {"shares": 256, "quota": 50000, "period": 100000}})
    pid = _sleeper()
    cgroup.add(pid)
    assert cgroup.procs() == [pid]
    stats = cgroup.stats()
    assert (stats.memory_limit, stats.pids_current, stats.oom_kills) == (64 << 20, 1, 0)
    assert len(stats.cpu_percpu_ns) == os.cpu_count()
    cgroup.freeze()
    assert cgroup.frozen()
    cgroup.thaw()
    assert not cgroup.frozen()
    cgroup.delete()   # kills the sleeper, removes every directory
    assert _reap(pid) == -signal.SIGKILL
    assert not any(os.path.exists(d) for d in cgroup.unique_dirs())


def test_v1_cpuset_filled_from_ancestors_and_by_the_kernel_after(parent):
    """The first container under a new parent fills the chain; its parent then has the kernel
    fill the next ones (clone_children), with the same cpus and mems."""
    first = open_cgroup(f"{parent}/mid/first")
    if not isinstance(first, CgroupV1) or "cpuset" not in first.dirs:
        pytest.skip("host has no cgroup v1 cpuset controller")
    root = first.dirs["cpuset"][: -len(first.path)]
    wanted = [_read(os.path.join(root, name)) for name in ("cpuset.cpus", "cpuset.mems")]
    first.create()
    mid = os.path.dirname(first.dirs["cpuset"])
    assert _read(os.path.join(mid, "cgroup.clone_children")) == "1"
    assert _read(os.path.join(os.path.dirname(mid), "cgroup.clone_children")) == "1"
    second = open_cgroup(f"{parent}/mid/second")
    os.mkdir(second.dirs["cpuset"])    # the kernel alone: what create() now finds
    assert [_read(os.path.join(second.dirs["cpuset"], n)) for n in ("cpuset.cpus", "cpuset.mems")] == wanted
    second.create()
    for cgroup in (first, second):
        assert [_read(os.path.join(cgroup.dirs["cpuset"], n)) for n in ("cpuset.cpus", "cpuset.mems")] == wanted
        pid = _sleeper()
        cgroup.add(pid)                  # an empty cpuset would refuse the task
        assert cgroup.procs() == [pid]
        cgroup.delete()
        assert _reap(pid) == -signal.SIGKILL
    open_cgroup(f"{parent}/mid").delete()


def test_v1_cpuset_parent_filled_before_gets_the_kernel_to_fill_its_children(parent):
    """A parent already filled (by an older daemon, or by hand) without clone_children: the
    first container under it turns it on, so the next starts write no cpuset file; the
    hierarchy's root is left as it was."""
    first = open_cgroup(f"{parent}/first")
    if not isinstance(first, CgroupV1) or "cpuset" not in first.dirs:
        pytest.skip("host has no cgroup v1 cpuset controller")
    filled = os.path.dirname(first.dirs["cpuset"])
    root = os.path.dirname(filled)
    root_switch = _read(os.path.join(root, "cgroup.clone_children"))
    os.makedirs(filled, exist_ok=True)
    for name in ("cpuset.cpus", "cpuset.mems"):
        with open(os.path.join(filled, name), "w") as f:
            f.write(_read(os.path.join(root, name)))
    assert _read(os.path.join(filled, "cgroup.clone_children")) == "0"
    first.create()
    assert _read(os.path.join(filled, "cgroup.clone_children")) == "1"
    assert _read(os.path.join(root, "cgroup.clone_children")) == root_switch
    second = open_cgroup(f"{parent}/second")
    os.mkdir(second.dirs["cpuset"])    # the kernel alone fills it now
    assert _read(os.path.join(second.dirs["cpuset"], "cpuset.cpus")) == _read(os.path.join(root, "cpuset.cpus"))
    for cgroup in (first, second):
        cgroup.delete()


def _read(path: str) -> str:
    with open(path) as f:
        return f.read().strip()


def test_v2_on_the_unified_mount(parent):
    root = _v2_root()
    if not root:
        pytest.skip("no cgroup2 mount")
    cgroup = open_cgroup(f"{parent}/b", mount_root=root)
    assert isinstance(cgroup, CgroupV2)
    cgroup.create()
    cgroup.apply({})   # controllers may be absent on a hybrid host; the core files still work
    pid = _sleeper()
    cgroup.add(pid)
    assert cgroup.procs() == [pid]
    cgroup.freeze()
    assert cgroup.frozen()
    cgroup.thaw()
    cgroup.delete()
    assert _reap(pid) == -signal.SIGKILL
    assert not os.path.exists(cgroup.dir)


def test_v2_device_filter_is_enforced(parent):
    """The BPF device program on a v2 cgroup (here the hybrid host's unified hierarchy)."""
    from dockyard.oci.defaults import default_device_rules
    root = _v2_root()
    if not root:
        pytest.skip("no cgroup2 mount")
    cgroup = open_cgroup(f"{parent}/dev", mount_root=root)
    cgroup.create()
    cgroup.apply({"devices": default_device_rules()})
    ready_r, ready_w = os.pipe()
    result_r, result_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.read(ready_r, 1)
        outcome = []
        for path in ("/dev/null", "/dev/loop-control"):
            try:
                os.close(os.open(path, os.O_RDONLY))
                outcome.append("ok")
            except PermissionError:
                outcome.append("denied")
        os.write(result_w, " ".join(outcome).encode())
        os._exit(0)
    cgroup.add(pid)
    os.write(ready_w, b"1")
    assert _reap(pid) == 0
    assert os.read(result_r, 100) == b"ok denied"
    for fd in (ready_r, ready_w, result_r, result_w):
        os.close(fd)
    cgroup.delete()


def test_the_move_warmup_moves_this_process_nowhere():
    """runner.launch's head start (cgroups/move_warmup.py) writes this process to the
    cgroup.procs of where it already is: accepted by the kernel, and nothing changes."""
    from dockyard.cgroups.move_warmup import begin_grace_period, own_procs_file
    with open("/proc/self/cgroup") as f:
        before = f.read()
    procs = own_procs_file(read_hierarchies(), before)
    assert procs is not None and os.path.exists(procs)
    begin_grace_period(procs)
    with open("/proc/self/cgroup") as f:
        assert f.read() == before
    with open(procs) as f:
        assert str(os.getpid()) in f.read().split()
