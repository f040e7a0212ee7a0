"""Compose files → Project: find the files, read `.env`, interpolate, merge, normalise (pure
apart from the `read_file` it is handed)."""

from __future__ import annotations

import os
import re
from typing import Callable, Mapping

import yaml

from dockyard.compose.model.interpolate import interpolate, parse_env_file
from dockyard.compose.model.merge import merge_files
from dockyard.compose.model.service import Context, load_service
from dockyard.compose.model.types import NetworkDef, Project, VolumeDef
from dockyard.errors import InvalidArgument, NotFound

DEFAULT_FILES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
OVERRIDE_FILES = ("compose.override.yaml", "compose.override.yml", "docker-compose.override.yaml",
                  "docker-compose.override.yml")
_TOP_KEYS = {"version", "name", "services", "networks", "volumes", "configs", "secrets"}


def find_files(directory: str, exists: Callable[[str], bool]) -> list[str]:
    """The default file in `directory` (or the nearest parent that has one) and its override."""
    here = os.path.abspath(directory)
    while True:
        for name in DEFAULT_FILES:
            if exists(os.path.join(here, name)):
                overrides = [os.path.join(here, o) for o in OVERRIDE_FILES if exists(os.path.join(here, o))]
                return [os.path.join(here, name), *overrides[:1]]
        parent = os.path.dirname(here)
        if parent == here:
            raise NotFound("no configuration file provided: not found")
        here = parent


def load_project(files: list[str], read_file: Callable[[str], str], environ: Mapping[str, str],
                 project_name: str | None = None, profiles: tuple[str, ...] = (),
                 working_dir: str | None = None) -> Project:
    working_dir = working_dir or os.path.dirname(os.path.abspath(files[0]))
    env = {**_dotenv(working_dir, read_file), **environ}
    documents = [_read_yaml(path, read_file, env) for path in files]
    merged = merge_files(documents)
    unknown = sorted(k for k in merged if k not in _TOP_KEYS and not k.startswith("x-"))
    if unknown:
        raise InvalidArgument(f"additional property {unknown[0]} is not allowed")
    name = normalize_name(project_name or env.get("COMPOSE_PROJECT_NAME") or merged.get("name")
                          or os.path.basename(working_dir))
    volumes = {key: _volume(name, key, spec or {}) for key, spec in (merged.get("volumes") or {}).items()}
    networks = {key: _network(name, key, spec or {}) for key, spec in (merged.get("networks") or {}).items()}
    networks.setdefault("default", NetworkDef(f"{name}_default"))
    ctx = Context(name, working_dir, env, set(volumes), set(networks), read_file)
    services = {key: load_service(key, raw or {}, ctx) for key, raw in (merged.get("services") or {}).items()}
    active = set(profiles) | set(filter(None, env.get("COMPOSE_PROFILES", "").split(",")))
    enabled = {k: s for k, s in services.items() if not s.profiles or "*" in active or active & set(s.profiles)}
    _check_dependencies(enabled)
    used = {key for s in enabled.values() for key in s.networks}
    networks = {k: n for k, n in networks.items() if k in used or k != "default"}
    return Project(name, working_dir, [os.path.abspath(f) for f in files], enabled, networks, volumes,
                   {k: s for k, s in services.items() if k not in enabled}, ctx.warnings)


def normalize_name(name: str) -> str:
    """Project names as compose makes them: lower case, only [a-z0-9_-], starting alphanumeric."""
    cleaned = re.sub(r"[^a-z0-9_-]", "", name.lower()).lstrip("_-")
    if not cleaned:
        raise InvalidArgument(f"invalid project name {name!r}: must contain a letter or digit")
    return cleaned


def _dotenv(working_dir: str, read_file) -> dict[str, str]:
    path = os.path.join(working_dir, ".env")
    try:
        return parse_env_file(read_file(path), path)
    except FileNotFoundError:
        return {}


def _read_yaml(path: str, read_file, env) -> dict:
    try:
        text = read_file(path)
    except FileNotFoundError:
        raise NotFound(f"open {path}: no such file or directory") from None
    try:
        document = yaml.safe_load(text) or {}
    except yaml.YAMLError as err:
        raise InvalidArgument(f"{path}: {err}") from None
    if not isinstance(document, dict):
        raise InvalidArgument(f"{path}: top-level object must be a mapping")
    return interpolate(document, env)


def _volume(project: str, key: str, spec: dict) -> VolumeDef:
    external = bool(spec.get("external"))
    name = str(spec.get("name") or (key if external else f"{project}_{key}"))
    return VolumeDef(name, external, str(spec.get("driver") or ""), _strings(spec.get("driver_opts")),
                     _strings(spec.get("labels")))


def _network(project: str, key: str, spec: dict) -> NetworkDef:
    external = bool(spec.get("external"))
    name = str(spec.get("name") or (key if external else f"{project}_{key}"))
    subnets = [str(c["subnet"]) for c in ((spec.get("ipam") or {}).get("config") or []) if c.get("subnet")]
    return NetworkDef(name, external, str(spec.get("driver") or ""), _strings(spec.get("driver_opts")),
                      _strings(spec.get("labels")), bool(spec.get("internal")), subnets)


def _strings(value) -> dict[str, str]:
    if isinstance(value, list):
        return dict(str(v).partition("=")[::2] for v in value)
    return {str(k): str(v) for k, v in (value or {}).items()}


def _check_dependencies(services: dict) -> None:
    for service in services.values():
        for dep in service.depends_on:
            if dep.service not in services and dep.required:
                raise InvalidArgument(f"service {service.name} depends on undefined service {dep.service}: "
                                      f"invalid compose project")
