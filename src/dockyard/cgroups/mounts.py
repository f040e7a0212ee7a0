"""Where the cgroup hierarchies are mounted, from /proc/self/mountinfo (parsing is pure)."""

from dataclasses import dataclass


_NOT_CONTROLLERS = {"rw", "ro", "xattr", "noprefix", "clone_children", "cpuset_v2_mode",
                    "favordynmods"}


@dataclass(frozen=True)
class Hierarchy:
    mountpoint: str          # e.g. /sys/fs/cgroup/memory
    controllers: tuple[str, ...]  # e.g. ("memory",) or ("name=systemd",); () for cgroup2
    version: int


def parse_mountinfo(text: str) -> list[Hierarchy]:
    found = []
    for line in text.splitlines():
        left, sep, right = line.partition(" - ")
        if not sep:
            continue
        fields, tail = left.split(), right.split()
        fstype, superopts = tail[0], tail[2] if len(tail) > 2 else ""
        mountpoint = fields[4].replace("\\040", " ")
        if fstype == "cgroup2":
            found.append(Hierarchy(mountpoint, (), 2))
        elif fstype == "cgroup":
            controllers = tuple(o for o in superopts.split(",")
                                if o.startswith("name=") or ("=" not in o and o not in _NOT_CONTROLLERS))
            found.append(Hierarchy(mountpoint, controllers, 1))
    return found


def read_hierarchies(mountinfo_path: str = "/proc/self/mountinfo") -> list[Hierarchy]:
    with open(mountinfo_path) as f:
        return parse_mountinfo(f.read())


def parse_proc_cgroup(text: str) -> dict[str, str]:
    """/proc/<pid>/cgroup -> {"memory": "/a/b", "name=systemd": "/", "": "/" (v2)}."""
    paths = {}
    for line in text.splitlines():
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(",") if controllers else [""]:
            paths[controller] = path
    return paths
