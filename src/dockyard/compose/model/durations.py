"""Go-style durations as compose files write them: `1m30s`, `500ms`, `10s`, `2h` (pure)."""

from dockyard.errors import InvalidArgument
from dockyard.wire.times import go_duration_ns


def duration_ns(value, where: str = "duration") -> int:
    """Nanoseconds; a bare number counts as seconds."""
    if isinstance(value, (int, float)):
        return int(value * 1_000_000_000)
    parsed = go_duration_ns(str(value).strip())
    if parsed is None:
        raise InvalidArgument(f"{where}: invalid duration {value!r}")
    return parsed
