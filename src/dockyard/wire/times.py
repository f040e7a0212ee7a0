"""Time parameters as clients send them: unix seconds, `seconds.nanoseconds`, RFC3339, and
Go durations (`1m30s`) counted back from now."""

import re
import time
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


_UNITS = {"ns": 1, "us": 1_000, "µs": 1_000, "μs": 1_000, "ms": 1_000_000, "s": 1_000_000_000,
          "m": 60_000_000_000, "h": 3_600_000_000_000}
_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")


def go_duration_ns(text: str) -> int | None:
    """Go's time.ParseDuration (`1h30m`, `-5s`, `1.5h`, `0`) in nanoseconds; None if `text` is not one."""
    sign, body = (-1, text[1:]) if text[:1] == "-" else (1, text[1:] if text[:1] == "+" else text)
    if body == "0":
        return 0
    total, at = 0.0, 0
    for part in _DURATION_PART.finditer(body):
        if part.start() != at:
            return None
        total += float(part.group(1)) * _UNITS[part.group(2)]
        at = part.end()
    return sign * int(total) if body and at == len(body) else None


def go_duration_text(ns: int) -> str:
    """Go's time.Duration.String: `0s`, `1.5s`, `1m30s`, `2h0m0s`, `500ms`, `1µs`, `-3ns`."""
    if ns == 0:
        return "0s"
    sign, value = ("-" if ns < 0 else ""), abs(ns)
    if value < 1_000_000_000:
        unit, size = ("ns", 1) if value < 1_000 else ("µs", 1_000) if value < 1_000_000 else ("ms", 1_000_000)
        return sign + _decimal(value, size) + unit
    hours, rest = divmod(value, 3_600_000_000_000)
    minutes, rest = divmod(rest, 60_000_000_000)
    text = (f"{hours}h" if hours else "") + (f"{minutes}m" if hours or minutes else "")
    return sign + text + _decimal(rest, 1_000_000_000) + "s"


def _decimal(value: int, size: int) -> str:
    whole, fraction = divmod(value, size)
    if not fraction:
        return str(whole)
    return f"{whole}." + str(fraction).rjust(len(str(size)) - 1, "0").rstrip("0")


def until_filter(filters: dict[str, list[str]]) -> int | None:
    """The prune filters' `until` (the last one given), in ns; None without one."""
    values = filters.get("until")
    return until_ns(values[-1]) if values else None


def until_ns(value: str | None, now_ns: int | None = None) -> int | None:
    """A prune filter's `until` (dockerd's GetTimestamp): a duration back from now, or a time."""
    if not value:
        return None
    duration = go_duration_ns(value)
    if duration is not None:
        return (time.time_ns() if now_ns is None else now_ns) - duration
    return parse_time_ns(value)


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
