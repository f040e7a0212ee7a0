"""Time parameters as clients send them: unix seconds, `seconds.nanoseconds`, RFC3339."""

from datetime import datetime

from dockyard.errors import InvalidArgument


def parse_time_ns(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    try:
        seconds, _, fraction = value.partition(".")
        return int(seconds) * 1_000_000_000 + int((fraction + "000000000")[:9] or 0)
    except ValueError:
        pass
    try:
        stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidArgument(f"invalid time value: {value!r}") from None
    return int(stamp.timestamp()) * 1_000_000_000 + stamp.microsecond * 1000


def format_rfc3339_nano(time_ns: int, fixed: bool = True) -> str:
    """`2026-11-28T00:25:12.165029630Z` (Docker's RFC3339NanoFixed, as in logs and events), or with
    `fixed=False` Go's RFC3339Nano as encoding/json writes a time: `…12.16502963Z` (trailing zeros
    of the fraction dropped, and the fraction with them)."""
    if time_ns <= 0:
        return "0001-01-01T00:00:00Z"
    seconds, nanos = divmod(time_ns, 1_000_000_000)
    stamp = datetime.utcfromtimestamp(seconds).strftime("%Y-%m-%dT%H:%M:%S")
    fraction = f"{nanos:09d}" if fixed else f"{nanos:09d}".rstrip("0")
    return f"{stamp}.{fraction}Z" if fraction else f"{stamp}Z"
