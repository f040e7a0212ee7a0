"""Signal names and numbers as Docker and runc take them: `KILL`, `SIGKILL`, `9` (pure)."""

import signal as signals

from dockyard.errors import InvalidArgument

# A container's processes start with these at their default disposition: Python ignores SIGPIPE
# and SIGXFSZ and handles others, a shell's background job ignores SIGINT and SIGQUIT, and an
# ignored signal survives execve.
DEFAULT_DISPOSITION_SIGNALS = (
    signals.SIGPIPE, signals.SIGXFSZ, signals.SIGCHLD, signals.SIGHUP, signals.SIGINT,
    signals.SIGTERM, signals.SIGQUIT, signals.SIGUSR1, signals.SIGUSR2, signals.SIGALRM)


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
