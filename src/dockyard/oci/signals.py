"""Signal names and numbers as Docker and runc take them: `KILL`, `SIGKILL`, `9` (pure)."""

import signal as signals

from dockyard.errors import InvalidArgument


def parse_signal(value: str | int) -> int:
    if isinstance(value, int) or str(value).isdigit():
        number = int(value)
        if 0 < number < 65:
            return number
        raise InvalidArgument(f"Invalid signal: {value}")
    name = str(value).upper()
    name = name if name.startswith("SIG") else "SIG" + name
    try:
        return int(getattr(signals, name))
    except AttributeError:
        raise InvalidArgument(f"Invalid signal: {value}") from None
