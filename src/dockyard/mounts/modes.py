"""The mode field of `-v src:dst:mode` and `--volumes-from c:mode`, validated as Docker does."""

from dockyard.errors import InvalidArgument

PROPAGATIONS = ("private", "rprivate", "slave", "rslave", "shared", "rshared")
DEFAULT_PROPAGATION = "rprivate"

# Each group may appear at most once in a mode.
_GROUPS = {
    "rw": "access", "ro": "access",
    "z": "label", "Z": "label",
    "nocopy": "copy",
    "consistent": "consistency", "cached": "consistency", "delegated": "consistency",
    **dict.fromkeys(PROPAGATIONS, "propagation"),
}


def valid_mode(mode: str) -> bool:
    if mode == "":
        return True
    seen: set[str] = set()
    for option in mode.split(","):
        group = _GROUPS.get(option)
        if group is None or group in seen:
            return False
        seen.add(group)
    return True


def check_mode(mode: str) -> None:
    if not valid_mode(mode):
        raise InvalidArgument(f"invalid mode: {mode}")


def is_read_write(mode: str) -> bool:
    return valid_mode(mode) and "ro" not in mode.split(",")


def propagation_of(mode: str) -> str:
    """The propagation named in the mode, or "" when none is."""
    return next((o for o in mode.split(",") if o in PROPAGATIONS), "")


def no_copy(mode: str) -> bool:
    return "nocopy" in mode.split(",")
