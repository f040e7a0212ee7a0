"""Build the container's filesystem view: mounts, /dev, pivot_root, masked and ro paths.

`prepare_rootfs` runs in the new mount namespace before pivot_root (host paths visible);
`finalize_rootfs` runs after it, on container paths.
"""

import errno
import os

from dockyard.cgroups import Cgroup
from dockyard.runtime.cgroup_mount import mount_cgroups
from dockyard.runtime.devices import create_dev_symlinks, create_devices
from dockyard.syscalls.mount_options import (BIND_REMOUNT_FLAGS, PROPAGATION, parse_mount_options,
                                            statvfs_mount_flags)
from dockyard.confined.paths import resolve_in_root
from dockyard.syscalls import constants as c
from dockyard.syscalls.protocol import Syscalls


def prepare_rootfs(sys: Syscalls, spec: dict, rootfs: str, bundle: str, cgroup: Cgroup,
                   cgroupns: bool) -> None:
    linux = spec.get("linux") or {}
    propagation = PROPAGATION.get(linux.get("rootfsPropagation") or "", c.MS_SLAVE | c.MS_REC)
    sys.mount(None, "/", None, propagation, None)
    sys.mount(rootfs, rootfs, None, c.MS_BIND | c.MS_REC, None)  # pivot_root wants a mountpoint
    dev_mounted = False
    for mount in spec.get("mounts") or []:
        _mount_entry(sys, rootfs, bundle, mount, cgroup, cgroupns)
        dev_mounted |= mount["destination"].rstrip("/") == "/dev"
    if dev_mounted:
        old_umask = os.umask(0o022)  # directories 0755; nodes get their exact mode by chmod
        try:
            create_devices(sys, rootfs, linux.get("devices") or [])
        finally:
            os.umask(old_umask)
        create_dev_symlinks(rootfs)


def _mount_entry(sys, rootfs, bundle, mount: dict, cgroup, cgroupns) -> None:
    options = parse_mount_options(mount.get("options"))
    kind = mount.get("type") or ("bind" if options.is_bind else "")
    dest = resolve_in_root(rootfs, mount["destination"])
    if kind == "cgroup":
        mount_cgroups(sys, dest, options, cgroup, cgroupns)
    elif kind == "bind" or options.is_bind:
        source = os.path.join(bundle, mount["source"])  # relative sources are bundle-relative
        _bind(sys, source, dest, options)
    else:
        os.makedirs(dest, exist_ok=True)
        try:
            sys.mount(mount.get("source") or kind, dest, kind, options.flags, options.data_string)
        except OSError as exc:
            if kind != "sysfs" or exc.errno != errno.EPERM:
                raise
            # sysfs of a network namespace we do not own: bind the host's, as runc does.
            _bind(sys, "/sys", dest, parse_mount_options(["rbind", *mount.get("options", [])]))
    for change in options.propagation:
        sys.mount(None, dest, None, change, None)


def _bind(sys: Syscalls, source: str, dest: str, options) -> None:
    if not os.path.exists(source):
        raise OSError(errno.ENOENT, f"bind mount source {source}: no such file or directory")
    if os.path.isdir(source):
        os.makedirs(dest, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        if not os.path.exists(dest):
            open(dest, "a").close()
    sys.mount(source, dest, None, c.MS_BIND | (options.flags & c.MS_REC), None)
    if options.flags & BIND_REMOUNT_FLAGS:
        sys.mount(None, dest, None,
                  c.MS_BIND | c.MS_REMOUNT | (options.flags & BIND_REMOUNT_FLAGS), None)


def pivot_into(sys: Syscalls, rootfs: str) -> None:
    """pivot_root with the old root stacked on the new one, then detached: no temp dir needed."""
    old_root = os.open("/", os.O_DIRECTORY | os.O_RDONLY | os.O_CLOEXEC)
    new_root = os.open(rootfs, os.O_DIRECTORY | os.O_RDONLY | os.O_CLOEXEC)
    try:
        os.fchdir(new_root)
        sys.pivot_root(".", ".")
        os.fchdir(old_root)
        # Keep unmount events of the old root from propagating back to the host.
        sys.mount(None, ".", None, c.MS_SLAVE | c.MS_REC, None)
        sys.umount2(".", c.MNT_DETACH)
        os.chdir("/")
    finally:
        os.close(old_root)
        os.close(new_root)


def finalize_rootfs(sys: Syscalls, spec: dict) -> None:
    linux = spec.get("linux") or {}
    for path in linux.get("readonlyPaths") or []:
        _readonly(sys, path)
    for path in linux.get("maskedPaths") or []:
        _mask(sys, path)
    if (spec.get("root") or {}).get("readonly"):
        flags = statvfs_mount_flags(os.statvfs("/").f_flag)
        sys.mount(None, "/", None, c.MS_BIND | c.MS_REMOUNT | c.MS_RDONLY | flags, None)


def _readonly(sys: Syscalls, path: str) -> None:
    try:
        sys.mount(path, path, None, c.MS_BIND | c.MS_REC, None)
    except FileNotFoundError:
        return
    flags = statvfs_mount_flags(os.statvfs(path).f_flag)
    sys.mount(None, path, None, c.MS_BIND | c.MS_REMOUNT | c.MS_RDONLY | c.MS_REC | flags, None)


def _mask(sys: Syscalls, path: str) -> None:
    try:
        if os.path.isdir(path):
            sys.mount("tmpfs", path, "tmpfs", c.MS_RDONLY, None)
        else:
            sys.mount("/dev/null", path, None, c.MS_BIND, None)
    except FileNotFoundError:
        pass
