"""Options of the local driver (`--opt type= device= o=`), checked as dockerd checks them (the
`o=` string is split by `syscalls.mount_options`)."""

from dockyard.errors import InvalidArgument

_VALID = ("type", "o", "device", "size")
_REQUIRES = {"device": ("type",), "type": ("device",), "o": ("device", "type")}


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
