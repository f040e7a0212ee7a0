"""tmpfs options: `--mount` TmpfsOptions to mount data, and merging with Docker's defaults."""

from dockyard.errors import InvalidArgument

DEFAULTS = ("noexec", "nosuid", "nodev", "rprivate")

# Flags that clear or set the same bit collide: the last one given wins.
_FLAG_KEYS = {
    "ro": "rdonly", "rw": "rdonly",
    "suid": "nosuid", "nosuid": "nosuid",
    "dev": "nodev", "nodev": "nodev",
    "exec": "noexec", "noexec": "noexec",
    "sync": "sync", "async": "sync",
    "dirsync": "dirsync",
    "remount": "remount",
    "mand": "mand", "nomand": "mand",
    "atime": "noatime", "noatime": "noatime",
    "diratime": "nodiratime", "nodiratime": "nodiratime",
    "bind": "bind", "rbind": "bind",
    "relatime": "relatime", "norelatime": "relatime",
    "strictatime": "strictatime", "nostrictatime": "strictatime",
    **dict.fromkeys(("private", "rprivate", "slave", "rslave", "shared", "rshared", "unbindable", "runbindable"),
                    "propagation"),
}
_DATA_KEYS = {"size", "mode", "uid", "gid", "nr_inodes", "nr_blocks", "mpol", "huge", "inode64", "noswap"}


def options_from_spec(tmpfs_options: dict | None, read_only: bool) -> tuple[str, ...]:
    """`HostConfig.Mounts[].TmpfsOptions` (+ ReadOnly) as mount options."""
    options = ["ro"] if read_only else []
    tmpfs_options = tmpfs_options or {}
    mode = tmpfs_options.get("Mode") or 0
    if mode:
        options.append(f"mode={int(mode):o}")
    size = tmpfs_options.get("SizeBytes") or 0
    if size:
        if int(size) < 0:
            raise InvalidArgument(f"invalid tmpfs size: {size}")
        options.append(f"size={format_size(int(size))}")
    for extra in tmpfs_options.get("Options") or []:  # API 1.46: only exec/noexec are allowed
        if not isinstance(extra, list) or not 1 <= len(extra) <= 2:
            raise InvalidArgument("invalid option array length")
        if extra[0] not in ("exec", "noexec"):
            raise InvalidArgument(f"invalid option: {extra[0]}")
        options.append("=".join(str(part) for part in extra))
    return tuple(options)


def format_size(size: int) -> str:
    """The largest unit that divides the size evenly, as Docker writes it: 10485760 → 10m."""
    for suffix, divisor in (("g", 1 << 30), ("m", 1 << 20), ("k", 1 << 10)):
        if size % divisor == 0:
            return f"{size // divisor}{suffix}"
    return str(size)


def split_options(data: str) -> tuple[str, ...]:
    """`--tmpfs /run:rw,size=64m` gives "rw,size=64m"."""
    return tuple(o for o in data.split(",") if o)


def merge(options: tuple[str, ...] | list[str]) -> list[str]:
    """Docker's defaults then the given options, duplicates removed so the last one wins."""
    merged: list[str] = []
    seen: set[str] = set()
    for option in reversed([*DEFAULTS, *options]):
        if option == "defaults":
            continue
        key = _FLAG_KEYS.get(option)
        if key is None:
            name, sep, _ = option.partition("=")
            if not sep or name not in _DATA_KEYS:
                quoted = " ".join(f'"{part}"' for part in option.split("=", 1))
                raise InvalidArgument(f"invalid tmpfs option [{quoted}]")
            key = "data:" + name
        if key not in seen:
            seen.add(key)
            merged.insert(0, option)
    return merged
