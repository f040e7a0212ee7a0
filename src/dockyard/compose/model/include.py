"""`include`: other compose projects' services, networks, volumes, secrets and configs brought into
this one, each loaded from its own directory with its own `.env`, as compose-go's ApplyInclude does
(pure apart from the loader it is handed)."""

from __future__ import annotations

import os
from typing import Callable, Mapping

from dockyard.compose.model.interpolate import parse_env_file
from dockyard.compose.model.merge import merge_service
from dockyard.compose.model.paths import absolute, resolve_document
from dockyard.errors import InvalidArgument

_RESOURCES = ("services", "volumes", "networks", "secrets", "configs")
# (files, working directory, environment, files being included) → the merged raw mapping
LoadRaw = Callable[[list[str], str, Mapping[str, str], tuple[str, ...]], dict]


def apply_include(document: dict, working_dir: str, env: Mapping[str, str], including: tuple[str, ...],
                  load_raw: LoadRaw, read_file) -> dict:
    entries = document.get("include")
    if entries is None:
        return document
    if not isinstance(entries, list):
        raise InvalidArgument(f"`include` must be a list, got {entries}")
    out = {k: v for k, v in document.items() if k != "include"}
    for entry in entries:
        spec = {"path": entry} if isinstance(entry, str) else dict(entry)
        files = [absolute(str(p), working_dir) for p in
                 (spec["path"] if isinstance(spec.get("path"), list) else [spec.get("path")])]
        directory = absolute(str(spec["project_directory"]), working_dir) if spec.get("project_directory") \
            else os.path.dirname(files[0])
        if files[0] in including:
            chain = "\n include ".join((*including[1:], files[0]))
            raise InvalidArgument(f"include cycle detected:\n{including[0]}\n include {chain}")
        own_env = _env_files(spec.get("env_file"), directory, working_dir, read_file)
        imported = load_raw(files, directory, {**env, **own_env}, (*including, files[0]))
        _import(resolve_document(imported, directory), out)
    return out


def _env_files(value, directory: str, working_dir: str, read_file) -> dict[str, str]:
    if value is None:
        paths, required = [os.path.join(directory, ".env")], False
    else:
        paths = [absolute(str(p), working_dir) for p in (value if isinstance(value, list) else [value])
                 if p != "/dev/null"]
        required = True
    env: dict[str, str] = {}
    for path in paths:
        try:
            env.update(parse_env_file(read_file(path), path))
        except (FileNotFoundError, IsADirectoryError):
            if required:
                raise InvalidArgument(f"stat {path}: no such file or directory") from None
    return env


def _import(imported: dict, target: dict) -> None:
    for kind in _RESOURCES:
        found = imported.get(kind)
        if not isinstance(found, dict):
            continue
        mine = dict(target.get(kind) or {})
        for name, spec in found.items():
            if name not in mine:
                mine[name] = spec
            elif kind == "services":
                mine[name] = merge_service(spec or {}, mine[name] or {})
            elif isinstance(spec, dict) and isinstance(mine[name], dict):
                mine[name] = {**spec, **mine[name]}
        target[kind] = mine
