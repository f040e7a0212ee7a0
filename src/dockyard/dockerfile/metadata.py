"""Instructions that only change the image config: ENV, LABEL, CMD, ENTRYPOINT, USER, EXPOSE,
VOLUME, STOPSIGNAL, HEALTHCHECK, SHELL, ONBUILD, MAINTAINER, WORKDIR's config part (pure).

`apply_metadata` changes the config in place and returns the history comment Docker records
(`ENV APP_HOME=/app`), which also keys the build cache.
"""

from __future__ import annotations

import json
import posixpath
import re
from typing import Any, Callable

from dockyard.dockerfile.parser import Instruction
from dockyard.errors import InvalidArgument

DEFAULT_SHELL = ["/bin/sh", "-c"]
METADATA_KEYWORDS = {"ENV", "LABEL", "CMD", "ENTRYPOINT", "USER", "EXPOSE", "VOLUME", "STOPSIGNAL",
                     "HEALTHCHECK", "SHELL", "ONBUILD", "MAINTAINER", "WORKDIR"}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_UNIT_NS = {"ns": 1, "us": 1000, "µs": 1000, "ms": 1_000_000, "s": 1_000_000_000, "m": 60_000_000_000,
            "h": 3_600_000_000_000}


class Expander:
    """Substitution with the variables in effect at one instruction: one word, words split on
    blanks, and a here-document's text (quotes are ordinary characters there)."""

    def __init__(self, word: Callable[[str], str], words: Callable[[str], list[str]],
                 document: Callable[[str], str] | None = None):
        self.word, self.words = word, words
        self.document = document or word


def go_list(items: list[str]) -> str:
    """A string list as Go's %v of a quoted slice prints it: `["sh" "-c" "x"]`."""
    return "[" + " ".join(json.dumps(i) for i in items) + "]"


def command_of(instruction: Instruction, config: dict[str, Any]) -> list[str]:
    """RUN/CMD/ENTRYPOINT arguments: the JSON array, or the shell form under the SHELL in effect."""
    if instruction.json_form:
        return list(instruction.args)
    return [*(config.get("Shell") or DEFAULT_SHELL), instruction.text]


def apply_metadata(config: dict[str, Any], instruction: Instruction, expand: Expander,
                   state: dict[str, Any]) -> str:
    """Apply one metadata instruction; `state` carries `cmd_set` and `author` across steps."""
    keyword = instruction.keyword
    handler = _HANDLERS[keyword]
    return handler(config, instruction, expand, state)


def _env(config, instruction, expand, state) -> str:
    pairs = [(expand.word(k), expand.word(v)) for k, v in instruction.pairs]
    env = list(config.get("Env") or [])
    for key, value in pairs:
        env = [e for e in env if e.split("=", 1)[0] != key] + [f"{key}={value}"]
    config["Env"] = env
    return "ENV " + " ".join(f"{k}={v}" for k, v in pairs)


def _label(config, instruction, expand, state) -> str:
    pairs = [(expand.word(k), expand.word(v)) for k, v in instruction.pairs]
    config["Labels"] = {**(config.get("Labels") or {}), **dict(pairs)}
    return "LABEL " + " ".join(f"{k}={v}" for k, v in pairs)


def _cmd(config, instruction, expand, state) -> str:
    config["Cmd"] = command_of(instruction, config)
    state["cmd_set"] = True
    return "CMD " + go_list(config["Cmd"])


def _entrypoint(config, instruction, expand, state) -> str:
    if not instruction.json_form and not instruction.text:
        config["Entrypoint"] = None
    else:
        config["Entrypoint"] = command_of(instruction, config)
    if not state.get("cmd_set"):
        config["Cmd"] = None  # an ENTRYPOINT drops the base image's CMD unless this file set one
    return "ENTRYPOINT " + go_list(config["Entrypoint"] or [])


def _user(config, instruction, expand, state) -> str:
    config["User"] = expand.word(instruction.text)
    return "USER " + config["User"]


def _workdir(config, instruction, expand, state) -> str:
    path = expand.word(instruction.text)
    if not path:
        raise InvalidArgument("WORKDIR requires at least one argument")
    config["WorkingDir"] = posixpath.normpath(posixpath.join(config.get("WorkingDir") or "/", path))
    return "WORKDIR " + config["WorkingDir"]


def _expose(config, instruction, expand, state) -> str:
    ports = dict(config.get("ExposedPorts") or {})
    words = [w for raw in instruction.args for w in expand.words(raw)]
    for word in words:
        for port in _ports(word):
            ports[port] = {}
    config["ExposedPorts"] = ports
    return "EXPOSE " + " ".join(words)


def _ports(word: str) -> list[str]:
    number, _, proto = word.partition("/")
    proto = (proto or "tcp").lower()
    low, dash, high = number.partition("-")
    if not low.isdigit() or (dash and not high.isdigit()):
        raise InvalidArgument(f"invalid containerPort: {number}")
    first, last = int(low), int(high) if dash else int(low)
    if not (0 < first <= last <= 65535):
        raise InvalidArgument(f"invalid range format for --expose: {number}")
    return [f"{p}/{proto}" for p in range(first, last + 1)]


def _volume(config, instruction, expand, state) -> str:
    paths = [expand.word(a) for a in instruction.args] if instruction.json_form else \
        [w for raw in instruction.args for w in expand.words(raw)]
    volumes = dict(config.get("Volumes") or {})
    for path in paths:
        if not path.strip():
            raise InvalidArgument("VOLUME specified can not be an empty string")
        volumes[path.strip()] = {}
    config["Volumes"] = volumes
    return "VOLUME " + go_list(paths)


def _stopsignal(config, instruction, expand, state) -> str:
    config["StopSignal"] = expand.word(instruction.text)
    return "STOPSIGNAL " + config["StopSignal"]


def _shell(config, instruction, expand, state) -> str:
    if not instruction.args:
        raise InvalidArgument("SHELL requires at least one argument")
    config["Shell"] = list(instruction.args)
    return "SHELL " + go_list(config["Shell"])


def _onbuild(config, instruction, expand, state) -> str:
    trigger = instruction.text.strip()
    config["OnBuild"] = [*(config.get("OnBuild") or []), trigger]
    return "ONBUILD " + trigger


def _maintainer(config, instruction, expand, state) -> str:
    state["author"] = expand.word(instruction.text)
    return "MAINTAINER " + state["author"]


def _healthcheck(config, instruction, expand, state) -> str:
    text = instruction.text.strip()
    word, _, rest = text.partition(" ")
    if word.upper() == "NONE":
        if rest.strip() or instruction.flags:
            raise InvalidArgument("HEALTHCHECK NONE takes no arguments")
        config["Healthcheck"] = {"Test": ["NONE"]}
        return "HEALTHCHECK NONE"
    if word.upper() != "CMD":
        raise InvalidArgument(f"Unknown type {word!r} in HEALTHCHECK (try CMD)")
    rest = rest.strip()
    try:
        parsed = json.loads(rest) if rest.startswith("[") else None
    except ValueError:
        parsed = None
    test = ["CMD", *parsed] if isinstance(parsed, list) else ["CMD-SHELL", rest]
    check: dict[str, Any] = {"Test": test}
    for flag, key in (("interval", "Interval"), ("timeout", "Timeout"), ("start-period", "StartPeriod"),
                      ("start-interval", "StartInterval")):
        if flag in instruction.flags:
            check[key] = parse_duration(instruction.flags[flag], flag)
    if "retries" in instruction.flags:
        retries = instruction.flags["retries"]
        if not retries.isdigit() or int(retries) < 1:
            raise InvalidArgument("--retries cannot be 0")
        check["Retries"] = int(retries)
    config["Healthcheck"] = check
    return "HEALTHCHECK " + text


def parse_duration(text: str, flag: str) -> int:
    """A Go duration (`30s`, `1m30s`, `500ms`) in nanoseconds."""
    if text == "0":
        return 0
    matches = list(_DURATION.finditer(text))
    if not matches or "".join(m.group(0) for m in matches) != text:
        raise InvalidArgument(f'invalid argument "{text}" for "--{flag}" flag: time: invalid duration "{text}"')
    return int(sum(float(m.group(1)) * _UNIT_NS[m.group(2)] for m in matches))


_HANDLERS = {"ENV": _env, "LABEL": _label, "CMD": _cmd, "ENTRYPOINT": _entrypoint, "USER": _user,
             "WORKDIR": _workdir, "EXPOSE": _expose, "VOLUME": _volume, "STOPSIGNAL": _stopsignal,
             "SHELL": _shell, "ONBUILD": _onbuild, "MAINTAINER": _maintainer, "HEALTHCHECK": _healthcheck}
