"""compose-go's casts after interpolation: a string where the schema wants a number or a boolean
(`tty: "${TTY}"`, `ports: [{target: "${P}"}]`) becomes one, at the paths compose-go casts (pure)."""

from __future__ import annotations

import sys
from typing import Callable

from dockyard.errors import InvalidArgument

_BOOLEANS = {"true": True, "false": False, "y": True, "yes": True, "on": True, "n": False, "no": False,
             "off": False}
_YAML11 = {"y", "yes", "on", "n", "no", "off"}


def _int(text: str):
    return int(text, 10)


def _float(text: str):
    return float(text)


def _bool(text: str):
    lowered = text.lower()
    if lowered not in _BOOLEANS:
        raise ValueError(f"invalid boolean: {text}")
    if lowered in _YAML11:
        word = "true" if _BOOLEANS[lowered] else "false"
        print(f'WARN[0000] "{text}" for boolean is not supported by YAML 1.2, please use `{word}`',
              file=sys.stderr)
    return _BOOLEANS[lowered]


# paths under services.<name> ("*" any key, "[]" any list item) → the cast
_SERVICE = {
    ("cpu_count",): _int, ("cpu_percent",): _float, ("cpu_period",): _int, ("cpu_quota",): _int,
    ("cpu_rt_period",): _int, ("cpu_rt_runtime",): _int, ("cpus",): _float, ("cpu_shares",): _int,
    ("init",): _bool, ("depends_on", "*", "required"): _bool, ("depends_on", "*", "restart"): _bool,
    ("deploy", "replicas"): _int, ("deploy", "restart_policy", "max_attempts"): _int,
    ("healthcheck", "retries"): _int, ("healthcheck", "disable"): _bool, ("oom_kill_disable",): _bool,
    ("oom_score_adj",): _int, ("pids_limit",): _int, ("ports", "[]", "target"): _int,
    ("privileged",): _bool, ("read_only",): _bool, ("scale",): _int, ("stdin_open",): _bool, ("tty",): _bool,
    ("ulimits", "*"): _int, ("ulimits", "*", "hard"): _int, ("ulimits", "*", "soft"): _int,
    ("volumes", "[]", "read_only"): _bool, ("volumes", "[]", "volume", "nocopy"): _bool,
}
_NETWORK_FLAGS = ("external", "internal", "attachable", "enable_ipv4", "enable_ipv6")
_TOP: dict[tuple[str, ...], Callable] = {("networks", "*", key): _bool for key in _NETWORK_FLAGS}
_TOP.update({(kind, "*", "external"): _bool for kind in ("volumes", "secrets", "configs")})
_TOP.update({("services", "*", *path): cast for path, cast in _SERVICE.items()})


def cast_types(document: dict) -> dict:
    return _walk(document, ())


def _walk(value, path: tuple[str, ...]):
    if isinstance(value, dict):
        return {k: _walk(v, (*path, k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk(v, (*path, "[]")) for v in value]
    if isinstance(value, str):
        cast = _cast_for(path)
        if cast is not None:
            try:
                return cast(value)
            except ValueError as err:
                where = ".".join(path)
                raise InvalidArgument(f"Error while interpolating {where}: failed to cast to expected type: "
                                      f"{err}") from None
    return value


def _cast_for(path: tuple[str, ...]):
    for pattern, cast in _TOP.items():
        if len(pattern) == len(path) and all((p == "*" and q != "[]") or p == q for p, q in zip(pattern, path)):
            return cast
    return None
