"""Docker's human-readable sizes and durations (go-units), for tables and `ps` (pure)."""

import time


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
