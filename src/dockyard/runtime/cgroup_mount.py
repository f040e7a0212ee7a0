"""The container's /sys/fs/cgroup: its own cgroups, as runc shows them.

v1: a tmpfs with one bind mount per hierarchy of the container's cgroup directory (the
binds are read-only, the tmpfs under them stays writable, as runc leaves it).
v2: a fresh cgroup2 mount inside a cgroup namespace, else a bind of the container's cgroup.
"""

import os

from dockyard.cgroups import Cgroup, CgroupV2
from dockyard.syscalls.mount_options import MountOptions
from dockyard.syscalls import constants as c
from dockyard.syscalls.protocol import Syscalls


def mount_cgroups(sys: Syscalls, target: str, options: MountOptions, cgroup: Cgroup,
                  cgroupns: bool) -> None:
    os.makedirs(target, exist_ok=True)
    remount = c.MS_BIND | c.MS_REMOUNT | (options.flags & ~(c.MS_BIND | c.MS_REC))
    if isinstance(cgroup, CgroupV2):
        if cgroupns:
            sys.mount("cgroup", target, "cgroup2", options.flags, None)
        else:
            sys.mount(cgroup.dir, target, None, c.MS_BIND | c.MS_REC, None)
            sys.mount(None, target, None, remount, None)
        return
    sys.mount("tmpfs", target, "tmpfs", options.flags & ~c.MS_RDONLY, "mode=755")
    v1_dirs = dict.fromkeys(d for key, d in cgroup.dirs.items() if key != "unified")
    for source in v1_dirs:
        # <mountpoint>/<cgroup path> -> <target>/<basename of mountpoint>
        hierarchy = source[: len(source) - len(cgroup.path)] if cgroup.path != "/" else source
        dest = os.path.join(target, os.path.basename(hierarchy.rstrip("/")))
        os.makedirs(dest, exist_ok=True)
        sys.mount(source, dest, None, c.MS_BIND | c.MS_REC, None)
        sys.mount(None, dest, None, remount, None)
