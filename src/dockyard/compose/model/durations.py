"""Go-style durations as compose files write them: `1m30s`, `500ms`, `10s`, `2h` (pure)."""

import re

from dockyard.errors import InvalidArgument

_UNITS = {"ns": 1, "us": 1_000, "µs": 1_000, "ms": 1_000_000, "s": 1_000_000_000,
          "m": 60_000_000_000, "h": 3_600_000_000_000}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")


def duration_ns(value, where: str = "duration") -> int:
    """Nanoseconds; a bare number counts as seconds."""
    if isinstance(value, (int, float)):
        return int(value * 1_000_000_000)
    text = str(value).strip()
    total, at = 0.0, 0
    for part in _PART.finditer(text):
        if part.start() != at:
            break
        total += float(part.group(1)) * _UNITS[part.group(2)]
        at = part.end()
    if at != len(text) or not text:
        raise InvalidArgument(f"{where}: invalid duration {value!r}")
    return int(total)
