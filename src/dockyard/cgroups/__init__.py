"""cgroups v1 and v2 behind one shape: create, apply, add, freeze/thaw, stats, OOM, delete.

`open_cgroup(path)` picks the version from what is mounted at `mount_root`; `path` is the
cgroup's place inside the hierarchy (e.g. `/dockyard/<id>`), so two engines or a test can
keep their own subtree.
"""

import os

from dockyard.cgroups.mounts import Hierarchy, read_hierarchies
from dockyard.cgroups.stats import CgroupStats
from dockyard.cgroups.v1 import CgroupV1
from dockyard.cgroups.v2 import CgroupV2

Cgroup = CgroupV1 | CgroupV2

__all__ = ["Cgroup", "CgroupStats", "CgroupV1", "CgroupV2", "Hierarchy", "cgroup_version",
           "open_cgroup"]


def cgroup_version(mount_root: str = "/sys/fs/cgroup",
                   hierarchies: list[Hierarchy] | None = None) -> int:
    hierarchies = read_hierarchies() if hierarchies is None else hierarchies
    root = os.path.normpath(mount_root)
    if any(h.version == 2 and h.mountpoint == root for h in hierarchies):
        return 2
    return 1


def open_cgroup(path: str, mount_root: str = "/sys/fs/cgroup",
                hierarchies: list[Hierarchy] | None = None) -> Cgroup:
    hierarchies = read_hierarchies() if hierarchies is None else hierarchies
    if cgroup_version(mount_root, hierarchies) == 2:
        return CgroupV2(path, os.path.normpath(mount_root))
    # Hybrid hosts also have the unified hierarchy under the root (e.g. .../unified): joined
    # like the others, as runc does, so /proc/<pid>/cgroup's `0::` line names the container.
    under_root = [h for h in hierarchies if h.mountpoint.startswith(os.path.normpath(mount_root) + "/")]
    return CgroupV1(path, under_root)
