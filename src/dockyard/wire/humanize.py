"""Docker's human-readable sizes and durations (go-units), for tables and `ps`, and its
parser of sizes given by users (pure)."""

import re
import time

from dockyard.errors import InvalidArgument

_RAM_SIZE = re.compile(r"^(\d+(?:\.\d+)?) ?([kmgtp])?i?b?$", re.IGNORECASE)


def human_duration(seconds: float) -> str:
    """Docker's go-units HumanDuration."""
    whole = int(seconds)
    if whole < 1:
        return "Less than a second"
    if whole == 1:
        return "1 second"
    if whole < 60:
        return f"{whole} seconds"
    minutes = whole // 60
    if minutes == 1:
        return "About a minute"
    if minutes < 60:
        return f"{minutes} minutes"
    hours = round(seconds / 3600)
    if hours == 1:
        return "About an hour"
    if hours < 48:
        return f"{hours} hours"
    if hours < 24 * 7 * 2:
        return f"{hours // 24} days"
    if hours < 24 * 30 * 2:
        return f"{hours // 24 // 7} weeks"
    if hours < 24 * 365 * 2:
        return f"{hours // 24 // 30} months"
    return f"{int(seconds // 3600) // 24 // 365} years"


def human_since(created: float, now: float | None = None) -> str:
    """`3 minutes ago` for a unix time."""
    return human_duration(max(0.0, (now if now is not None else time.time()) - created)) + " ago"


def human_size(size: float, precision: int = 3) -> str:
    """Docker's units.HumanSizeWithPrecision: decimal units (`1.98MB`); `system df` uses 4 digits."""
    return _scaled(size, 1000, ("B", "kB", "MB", "GB", "TB", "PB"), precision)


def bytes_size(size: float) -> str:
    """Docker's units.BytesSize: binary units, 4 significant digits (`1.5MiB`)."""
    return _scaled(size, 1024, ("B", "KiB", "MiB", "GiB", "TiB", "PiB"), 4)


def _scaled(size: float, base: int, units: tuple[str, ...], precision: int) -> str:
    i = 0
    while size >= base and i < len(units) - 1:
        size /= base
        i += 1
    return f"{size:.{precision}g}{units[i]}"


def ram_in_bytes(text: str) -> int:
    """go-units' RAMInBytes: `100m` = 100 MiB, `1.5g`, `512k`, `2GiB`, `64MB`, `1024` (powers of 1024)."""
    match = _RAM_SIZE.match(text.strip())
    if not match:
        raise InvalidArgument(f"invalid size: '{text}'")
    number, unit = match.groups()
    return int(float(number) * 1024 ** (" kmgtp".index(unit.lower()) if unit else 0))
