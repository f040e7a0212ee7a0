"""The `changes` of import and commit: Dockerfile instructions applied to a container config.

Only the instructions Docker accepts there: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, USER,
VOLUME, WORKDIR, STOPSIGNAL (pure).
"""

from __future__ import annotations

import json
import shlex
from typing import Any

from dockyard.errors import InvalidArgument

ALLOWED = ("CMD", "ENTRYPOINT", "ENV", "EXPOSE", "LABEL", "ONBUILD", "USER", "VOLUME", "WORKDIR",
           "STOPSIGNAL")


def apply_changes(config: dict[str, Any], changes: list[str]) -> dict[str, Any]:
    """A copy of `config` with every change line applied in order."""
    result = json.loads(json.dumps(config))
    for line in changes:
        for single in line.splitlines():
            if single.strip():
                _apply(result, single.strip())
    return result


def _apply(config: dict[str, Any], line: str) -> None:
    keyword, _, rest = line.partition(" ")
    keyword, rest = keyword.upper(), rest.strip()
    if keyword not in ALLOWED:
        raise InvalidArgument(f"{keyword.lower()} is not a valid change command")
    if keyword in ("CMD", "ENTRYPOINT"):
        config["Cmd" if keyword == "CMD" else "Entrypoint"] = _command(rest)
    elif keyword == "ENV":
        env = list(config.get("Env") or [])
        for key, value in _pairs(rest, "ENV"):
            env = [e for e in env if e.split("=", 1)[0] != key] + [f"{key}={value}"]
        config["Env"] = env
    elif keyword == "LABEL":
        config["Labels"] = {**(config.get("Labels") or {}), **dict(_pairs(rest, "LABEL"))}
    elif keyword == "EXPOSE":
        ports = dict(config.get("ExposedPorts") or {})
        for port in rest.split():
            ports[port if "/" in port else f"{port}/tcp"] = {}
        config["ExposedPorts"] = ports
    elif keyword == "VOLUME":
        volumes = dict(config.get("Volumes") or {})
        for path in _list_or_words(rest):
            volumes[path] = {}
        config["Volumes"] = volumes
    elif keyword == "WORKDIR":
        config["WorkingDir"] = rest
    elif keyword == "USER":
        config["User"] = rest
    elif keyword == "STOPSIGNAL":
        config["StopSignal"] = rest
    elif keyword == "ONBUILD":
        config["OnBuild"] = [*(config.get("OnBuild") or []), rest]


def _command(rest: str) -> list[str]:
    """JSON form (`["sh"]`) as is; shell form wrapped in `/bin/sh -c`."""
    if rest.startswith("["):
        try:
            value = json.loads(rest)
        except ValueError:
            value = None
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return value
    return ["/bin/sh", "-c", rest]


def _pairs(rest: str, keyword: str) -> list[tuple[str, str]]:
    """`K=V K2="v 2"` or the legacy single `K V` form."""
    try:
        words = shlex.split(rest)
    except ValueError as exc:
        raise InvalidArgument(f"{keyword}: {exc}") from None
    if not words:
        raise InvalidArgument(f"{keyword} requires at least one argument")
    if "=" not in words[0]:
        key, _, value = rest.partition(" ")
        return [(key, value.strip())]
    pairs = []
    for word in words:
        key, eq, value = word.partition("=")
        if not eq or not key:
            raise InvalidArgument(f"{keyword} names can not be blank")
        pairs.append((key, value))
    return pairs


def _list_or_words(rest: str) -> list[str]:
    if rest.startswith("["):
        try:
            value = json.loads(rest)
            if isinstance(value, list):
                return [str(v) for v in value]
        except ValueError:
            pass
    return rest.split()
