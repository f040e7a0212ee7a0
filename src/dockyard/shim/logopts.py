"""`--log-driver` and the `--log-opt` values of the json-file driver, validated (pure)."""

from collections import namedtuple

from dockyard.errors import InvalidArgument
from dockyard.wire.humanize import ram_in_bytes

DEFAULT_LOG_CONFIG = {"Type": "json-file", "Config": {}}   # a daemon's without --log-driver/--log-opt
CRI_LOG_DRIVER = "cri"     # the kubelet's format at the path it gives; only the CRI creates these
DEFAULT_MAX_SIZE = 20 * 1024 * 1024
DEFAULT_MAX_FILE = 3
# Accepted for compatibility; they only add attributes Docker's own readers use.
IGNORED_OPTS = frozenset({"labels", "labels-regex", "env", "env-regex", "tag", "mode", "max-buffer-size"})


class LogConfig(namedtuple("LogConfig", "max_size max_file")):
    """max_size in bytes (0 = unlimited); max_file: files kept, the live one included."""
    __slots__ = ()

    def to_json(self) -> dict:
        return {"max_size": self.max_size, "max_file": self.max_file}

    @classmethod
    def from_json(cls, obj: dict) -> "LogConfig":
        return cls(int(obj["max_size"]), int(obj["max_file"]))


def merge_log_config(requested: dict | None, default: dict) -> dict:
    """dockerd's merge of a container's LogConfig with the daemon's `--log-driver`/`--log-opt`:
    no driver named means the daemon's, and on the daemon's driver its options fill the gaps."""
    requested = requested or {}
    driver = requested.get("Type") or default["Type"]
    options = dict(requested.get("Config") or {})
    if driver == default["Type"]:
        options = {**default.get("Config", {}), **options}
    return {"Type": driver, "Config": options}


def container_log_config(requested: dict | None, default: dict) -> tuple[dict, bool]:
    """A new container's LogConfig (merged with the daemon's, validated) and whether its output
    goes to a json-file log."""
    merged = merge_log_config(requested, default)
    return merged, keeps_log_file(merged)


def keeps_log_file(log_config: dict) -> bool:
    """Validate a HostConfig.LogConfig; True when the output goes to a json-file log, False for
    the `none` driver (dockerd accepts any options for that one)."""
    driver = log_config.get("Type") or "json-file"
    if driver == "none":
        return False
    if driver != "json-file":
        raise InvalidArgument(f"log driver '{driver}' is not supported: dockyard has json-file and none")
    parse_log_opts(log_config.get("Config"))
    return True


def parse_size(value: str) -> int:
    """Docker's RAMInBytes: `10m` = 10 MiB, `1k`, `512`, `1.5g`; `-1` = unlimited."""
    return 0 if value.strip() == "-1" else ram_in_bytes(value)


def parse_log_opts(opts: dict[str, str] | None) -> LogConfig:
    """Validate json-file options; without max-size the default cap (20m x 3) applies."""
    opts = dict(opts or {})
    for key in opts:
        if key not in IGNORED_OPTS and key not in ("max-size", "max-file", "compress"):
            raise InvalidArgument(f"unknown log opt '{key}' for json-file log driver")
    if opts.get("compress", "false").lower() not in ("false", "0", ""):
        raise InvalidArgument("compressed log rotation is not supported by dockyard's json-file driver")
    if "max-size" not in opts:
        if "max-file" in opts and opts["max-file"] != "1":
            raise InvalidArgument("max-file cannot be set without max-size")
        return LogConfig(DEFAULT_MAX_SIZE, DEFAULT_MAX_FILE)
    max_size = parse_size(opts["max-size"])
    try:
        max_file = int(opts.get("max-file", "1"))
    except ValueError:
        raise InvalidArgument(f"invalid value for max-file: {opts['max-file']}") from None
    if max_file < 1:
        raise InvalidArgument("max-file cannot be less than 1")
    return LogConfig(max_size, max_file if max_size else 1)
