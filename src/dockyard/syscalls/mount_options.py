"""Mount options (mount(8)'s names, as OCI mounts, `--mount` and the local volume driver's `o=`
use them) -> mount(2) flags, propagation changes and fs data (pure): the one parser of them."""

from dataclasses import dataclass, field

from dockyard.syscalls import constants as c

# option -> (set?, flag)
_FLAGS: dict[str, tuple[bool, int]] = {
    "ro": (True, c.MS_RDONLY), "rw": (False, c.MS_RDONLY),
    "nosuid": (True, c.MS_NOSUID), "suid": (False, c.MS_NOSUID),
    "nodev": (True, c.MS_NODEV), "dev": (False, c.MS_NODEV),
    "noexec": (True, c.MS_NOEXEC), "exec": (False, c.MS_NOEXEC),
    "sync": (True, c.MS_SYNCHRONOUS), "async": (False, c.MS_SYNCHRONOUS),
    "dirsync": (True, c.MS_DIRSYNC), "remount": (True, c.MS_REMOUNT),
    "mand": (True, c.MS_MANDLOCK), "nomand": (False, c.MS_MANDLOCK),
    "atime": (False, c.MS_NOATIME), "noatime": (True, c.MS_NOATIME),
    "diratime": (False, c.MS_NODIRATIME), "nodiratime": (True, c.MS_NODIRATIME),
    "bind": (True, c.MS_BIND), "rbind": (True, c.MS_BIND | c.MS_REC),
    "relatime": (True, c.MS_RELATIME), "norelatime": (False, c.MS_RELATIME),
    "strictatime": (True, c.MS_STRICTATIME), "nostrictatime": (False, c.MS_STRICTATIME),
    "lazytime": (True, c.MS_LAZYTIME), "nolazytime": (False, c.MS_LAZYTIME),
    "nosymfollow": (True, c.MS_NOSYMFOLLOW), "symfollow": (False, c.MS_NOSYMFOLLOW),
    "defaults": (True, 0),
}
PROPAGATION: dict[str, int] = {
    "private": c.MS_PRIVATE, "rprivate": c.MS_PRIVATE | c.MS_REC,
    "shared": c.MS_SHARED, "rshared": c.MS_SHARED | c.MS_REC,
    "slave": c.MS_SLAVE, "rslave": c.MS_SLAVE | c.MS_REC,
    "unbindable": c.MS_UNBINDABLE, "runbindable": c.MS_UNBINDABLE | c.MS_REC,
}
# Flags that a bind mount only gets through a second, remounting call.
BIND_REMOUNT_FLAGS = (c.MS_RDONLY | c.MS_NOSUID | c.MS_NODEV | c.MS_NOEXEC | c.MS_NOATIME
                      | c.MS_NODIRATIME | c.MS_RELATIME | c.MS_STRICTATIME | c.MS_NOSYMFOLLOW)


@dataclass
class MountOptions:
    flags: int = 0
    propagation: list[int] = field(default_factory=list)
    data: list[str] = field(default_factory=list)
    extensions: list[str] = field(default_factory=list)   # e.g. tmpcopyup

    @property
    def is_bind(self) -> bool:
        return bool(self.flags & c.MS_BIND)

    @property
    def data_string(self) -> str | None:
        return ",".join(self.data) or None


def parse_mount_options(options: list[str] | None) -> MountOptions:
    parsed = MountOptions()
    for option in options or []:
        if option in _FLAGS:
            set_it, flag = _FLAGS[option]
            parsed.flags = parsed.flags | flag if set_it else parsed.flags & ~flag
        elif option in PROPAGATION:
            parsed.propagation.append(PROPAGATION[option])
        elif option in ("tmpcopyup", "idmap", "ridmap"):
            parsed.extensions.append(option)
        else:
            parsed.data.append(option)
    return parsed


def split_option_string(options: str) -> tuple[int, str]:
    """`mount -o`'s string → (flags, propagation included; data): "size=10m,uid=1000,noexec" →
    (MS_NOEXEC, "size=10m,uid=1000")."""
    parsed = parse_mount_options([o for o in options.split(",") if o])
    flags = parsed.flags
    for change in parsed.propagation:
        flags |= change
    return flags, ",".join(parsed.data + parsed.extensions)


def statvfs_mount_flags(f_flag: int) -> int:
    """Per-mount flags as statvfs reports them -> MS_* flags to keep on a remount."""
    st_relatime = 4096
    kept = f_flag & (c.MS_RDONLY | c.MS_NOSUID | c.MS_NODEV | c.MS_NOEXEC | c.MS_NOATIME
                     | c.MS_NODIRATIME)
    return kept | (c.MS_RELATIME if f_flag & st_relatime else 0)
