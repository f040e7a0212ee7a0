"""The image a BuildKit build exports, made from the classic builder's result: the same layers
and container config, but one image with no parent and no build container (`container`,
`container_config`, `docker_version` are absent), its history written as BuildKit's Dockerfile
frontend (dockerd 20.10) writes it (`RUN /bin/sh -c ... # buildkit`, `COPY a /a # buildkit`,
`ENV A=1`, `VOLUME [/data]`), every entry commented `buildkit.dockerfile.v0`, and `--label`
values set on the config without a history entry (pure)."""

from __future__ import annotations

import copy
from typing import Any

from dockyard.dockerfile.metadata import Expander, apply_metadata
from dockyard.dockerfile.parser import Instruction
from dockyard.wire.times import go_duration_text

COMMENT = "buildkit.dockerfile.v0"
_CLASSIC_ONLY = ("container", "container_config", "docker_version")
_VERBATIM = Expander(lambda text: text, lambda text: text.split())


def created_by(instruction: Instruction, classic: str, words: list[str] | None = None) -> str:
    """BuildKit's history line for an instruction, from the classic one (`words`: a COPY's or
    ADD's sources and destination with their variables expanded)."""
    keyword = instruction.keyword
    if keyword == "RUN":
        return f"RUN {classic} # buildkit"
    if keyword in ("COPY", "ADD"):
        return f"{keyword} {' '.join(instruction.args if words is None else words)} # buildkit"
    nop = classic.find("#(nop) ")
    text = classic[nop + len("#(nop) "):].strip() if nop >= 0 else classic
    if keyword == "EXPOSE":   # the classic line has the ports expanded: `EXPOSE 80 53/udp`
        ports = " ".join(f"{p}:{{}}" for p in sorted({_port(a) for a in text.split()[1:]}))
        return f"EXPOSE map[{ports}]"
    if keyword == "VOLUME" and text.startswith("VOLUME ["):   # expanded, and already Go's `[/a /b]`
        return text
    if keyword in ("VOLUME", "SHELL"):
        return f"{keyword} [{' '.join(_values(instruction, keyword))}]"
    if keyword == "HEALTHCHECK":
        return "HEALTHCHECK " + _go_health(_values(instruction, keyword))
    return text


def _values(instruction: Instruction, keyword: str) -> Any:
    """What the instruction sets in a config (its words unexpanded, as the classic step read them)."""
    config: dict[str, Any] = {}
    apply_metadata(config, instruction, _VERBATIM, {})
    return {"VOLUME": lambda: list(config.get("Volumes") or {}), "SHELL": lambda: config.get("Shell") or [],
            "HEALTHCHECK": lambda: config.get("Healthcheck") or {}}[keyword]()


def _go_health(check: dict[str, Any]) -> str:
    """Go's `%q` of a *HealthConfig: `&{["CMD-SHELL" "true"] "5s" "0s" "0s" '\\x00'}`."""
    test = "[" + " ".join(_go_quote(t) for t in check.get("Test") or []) + "]"
    durations = " ".join(_go_quote(go_duration_text(check.get(k) or 0)) for k in ("Interval", "Timeout", "StartPeriod"))
    return f"&{{{test} {durations} {_go_rune(check.get('Retries') or 0)}}}"


def _go_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _go_rune(value: int) -> str:
    if 0x20 <= value < 0x7F:
        return "'" + chr(value).replace("\\", "\\\\").replace("'", "\\'") + "'"
    return f"'\\x{value:02x}'" if value < 0x80 else f"'\\u{value:04x}'"


def _port(spec: str) -> str:
    return spec if "/" in spec else f"{spec}/tcp"


def buildkit_config(config: dict[str, Any], base_history: int, instructions: list[Instruction],
                    labels: dict[str, str] | None = None,
                    copied_words: dict[int, list[str]] | None = None, from_scratch: bool = False) -> dict[str, Any]:
    """The exported image's config: `config` is the classic result, whose history holds
    `base_history` entries of its base image and then one per instruction; `copied_words`: by
    `id()` of a COPY or ADD, its words expanded; `from_scratch`: BuildKit's empty image has
    WorkingDir `/`."""
    result = {k: copy.deepcopy(v) for k, v in config.items() if k not in _CLASSIC_ONLY}
    history = result.get("history") or []
    own = history[base_history:]
    for entry, instruction in zip(reversed(own), reversed(instructions)):  # ONBUILD triggers come first
        entry["created_by"] = created_by(instruction, entry.get("created_by", ""),
                                         (copied_words or {}).get(id(instruction)))
        entry["comment"] = COMMENT
    container = result.setdefault("config", {})
    if from_scratch and not container.get("WorkingDir"):
        container["WorkingDir"] = "/"
    container.pop("Image", None)   # the classic steps name their parent image; BuildKit's config names none
    if labels:
        container["Labels"] = {**(container.get("Labels") or {}), **labels}
    if any(i.keyword in ("CMD", "ENTRYPOINT") for i in instructions):
        container["ArgsEscaped"] = True   # BuildKit of dockerd 20.10 sets it with every CMD/ENTRYPOINT
    container.setdefault("OnBuild", None)
    return result
