"""What the host offers a privileged container: its bounding set and its device nodes."""

import os
import stat

from dockyard.errors import InvalidArgument

from dockyard.oci.capabilities import capabilities_from_mask

CAP_SYS_RESOURCE = 24
_SKIP_DIRS = {"pts", "shm", "fd", "mqueue", ".lxc", ".lxd-mounts", ".udev"}


def host_capabilities(status_path: str = "/proc/self/status") -> list[str]:
    """The capabilities our bounding set still has: all a container can ever be given."""
    with open(status_path) as f:
        for line in f:
            if line.startswith("CapBnd:"):
                return capabilities_from_mask(int(line.split()[1], 16))
    return []


def min_oom_score_adj(proc_self: str = "/proc/self") -> int:
    """The lowest oom_score_adj our children can be given: below our own takes CAP_SYS_RESOURCE
    (which a daemon in a container often lacks; containerd's restrict_oom_score_adj)."""
    with open(f"{proc_self}/status") as f:
        effective = next((int(line.split()[1], 16) for line in f if line.startswith("CapEff:")), 0)
    if effective >> CAP_SYS_RESOURCE & 1:
        return -1000
    with open(f"{proc_self}/oom_score_adj") as f:
        return int(f.read().strip() or 0)


def device_for(path_on_host: str, path_in_container: str = "", access: str = "rwm") -> dict:
    """One `--device` (HostConfig.Devices entry) as a SpecContext.devices item."""
    try:
        st = os.stat(path_on_host)
    except FileNotFoundError:
        raise InvalidArgument(f"error gathering device information while adding custom device "
                              f"\"{path_on_host}\": no such file or directory") from None
    if not (stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)):
        raise InvalidArgument(f"error gathering device information while adding custom device "
                              f"\"{path_on_host}\": not a device node")
    return {"path": path_in_container or path_on_host,
            "type": "c" if stat.S_ISCHR(st.st_mode) else "b",
            "major": os.major(st.st_rdev), "minor": os.minor(st.st_rdev),
            "fileMode": stat.S_IMODE(st.st_mode), "uid": st.st_uid, "gid": st.st_gid,
            "access": access}


def host_devices(root: str = "/dev") -> list[dict]:
    """Every char and block device under /dev as OCI `linux.devices` entries (Docker skips
    the pty, shm and mqueue directories and /dev/console)."""
    devices = []
    for directory, subdirs, names in os.walk(root):
        subdirs[:] = [d for d in subdirs if d not in _SKIP_DIRS]
        for name in names:
            path = os.path.join(directory, name)
            if path == os.path.join(root, "console"):
                continue
            try:
                st = os.lstat(path)
            except FileNotFoundError:
                continue
            if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
                devices.append({
                    "path": path, "type": "c" if stat.S_ISCHR(st.st_mode) else "b",
                    "major": os.major(st.st_rdev), "minor": os.minor(st.st_rdev),
                    "fileMode": stat.S_IMODE(st.st_mode), "uid": st.st_uid, "gid": st.st_gid})
    return sorted(devices, key=lambda d: d["path"])
