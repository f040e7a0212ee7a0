"""Options of the local driver (`--opt type= device= o=`), checked as dockerd checks them, and
the `o=` string split into mount(2) flags and filesystem data."""

from dockyard.errors import InvalidArgument

_VALID = ("type", "o", "device", "size")
_REQUIRES = {"device": ("type",), "type": ("device",), "o": ("device", "type")}

MS_RDONLY, MS_REMOUNT, MS_BIND, MS_REC = 1, 32, 4096, 16384
_PROPAGATION_FLAGS = {
    "private": 1 << 18, "slave": 1 << 19, "shared": 1 << 20, "unbindable": 1 << 17,
}
# option → (flag, set it?) ; the "no"-less forms clear what the others set.
_FLAGS = {
    "ro": (MS_RDONLY, True), "rw": (MS_RDONLY, False),
    "nosuid": (2, True), "suid": (2, False),
    "nodev": (4, True), "dev": (4, False),
    "noexec": (8, True), "exec": (8, False),
    "sync": (16, True), "async": (16, False),
    "remount": (MS_REMOUNT, True),
    "mand": (64, True), "nomand": (64, False),
    "dirsync": (128, True),
    "noatime": (1024, True), "atime": (1024, False),
    "nodiratime": (2048, True), "diratime": (2048, False),
    "bind": (MS_BIND, True), "rbind": (MS_BIND | MS_REC, True),
    "relatime": (1 << 21, True), "norelatime": (1 << 21, False),
    "strictatime": (1 << 24, True), "nostrictatime": (1 << 24, False),
    **{name: (flag, True) for name, flag in _PROPAGATION_FLAGS.items()},
    **{"r" + name: (flag | MS_REC, True) for name, flag in _PROPAGATION_FLAGS.items()},
    "defaults": (0, True),
}
PROPAGATION_MASK = sum(_PROPAGATION_FLAGS.values())


def check_options(options: dict[str, str] | None) -> None:
    if not options:
        return
    for key in options:
        if key not in _VALID:
            raise InvalidArgument(f'invalid option: "{key}"')
    if "size" in options:
        raise InvalidArgument("quota size requested but no quota support")
    for key, needed in _REQUIRES.items():
        if key in options:
            for other in needed:
                if other not in options:
                    raise InvalidArgument(f'missing required option: "{other}"')


def parse_mount_options(o: str) -> tuple[int, str]:
    """"size=10m,uid=1000,noexec" → (MS_NOEXEC, "size=10m,uid=1000")."""
    flags, data = 0, []
    for option in filter(None, o.split(",")):
        known = _FLAGS.get(option)
        if known is None:
            data.append(option)
        elif known[1]:
            flags |= known[0]
        else:
            flags &= ~known[0]
    return flags, ",".join(data)
