"""The image a BuildKit build exports, made from the classic builder's result: the same layers
and container config, but one image with no parent and no build container (`container`,
`container_config`, `docker_version` are absent), its history written as BuildKit's Dockerfile
frontend writes it (`RUN /bin/sh -c ... # buildkit`, `COPY a /a # buildkit`, `ENV A=1`), and
every entry commented `buildkit.dockerfile.v0`."""

from __future__ import annotations

import copy
from typing import Any

from dockyard.dockerfile.parser import Instruction

COMMENT = "buildkit.dockerfile.v0"
_CLASSIC_ONLY = ("container", "container_config", "docker_version")
_LAYERED = ("RUN", "COPY", "ADD")


def created_by(instruction: Instruction, classic: str) -> str:
    """BuildKit's history line for an instruction, from the classic one."""
    keyword = instruction.keyword
    if keyword == "RUN":
        return f"RUN {classic} # buildkit"
    if keyword in ("COPY", "ADD"):
        return f"{keyword} {' '.join(instruction.args)} # buildkit"
    nop = classic.find("#(nop) ")
    text = classic[nop + len("#(nop) "):].strip() if nop >= 0 else classic
    if keyword == "EXPOSE":
        ports = " ".join(f"{p}:{{}}" for p in sorted(_port(a) for a in instruction.args))
        return f"EXPOSE map[{ports}]"
    if keyword == "WORKDIR":
        return f"{text} # buildkit" if text.startswith("WORKDIR") else text
    return text


def _port(spec: str) -> str:
    return spec if "/" in spec else f"{spec}/tcp"


def buildkit_config(config: dict[str, Any], base_history: int, instructions: list[Instruction]) -> dict[str, Any]:
    """The exported image's config: `config` is the classic result, whose history holds
    `base_history` entries of its stage's base image and then one per instruction."""
    result = {k: copy.deepcopy(v) for k, v in config.items() if k not in _CLASSIC_ONLY}
    history = result.get("history") or []
    own = history[base_history:]
    for entry, instruction in zip(reversed(own), reversed(instructions)):  # ONBUILD triggers come first
        entry["created_by"] = created_by(instruction, entry.get("created_by", ""))
        entry["comment"] = COMMENT
    return result
