"""Compose files → Project: find the files, read `.env`, interpolate, merge, normalise (pure
apart from the `read_file` it is handed)."""

from __future__ import annotations

import os
import re
from typing import Callable, Mapping

from dockyard.compose.model import documents
from dockyard.compose.model.casts import cast_types
from dockyard.compose.model.extends import apply_extends
from dockyard.compose.model.include import apply_include
from dockyard.compose.model.interpolate import interpolate, parse_env_file, variables
from dockyard.compose.model.merge import merge_files
from dockyard.compose.model.schema import validate
from dockyard.compose.model.service import Context, load_service
from dockyard.compose.model.syntax import host_path
from dockyard.compose.model.types import FileObject, NetworkDef, Project, VolumeDef
from dockyard.errors import InvalidArgument, NotFound

DEFAULT_FILES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
OVERRIDE_FILES = ("compose.override.yaml", "compose.override.yml", "docker-compose.override.yaml",
                  "docker-compose.override.yml")


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
                 working_dir: str | None = None, env_files: tuple[str, ...] = ()) -> Project:
    """`env_files` (`--env-file`) replace the project directory's `.env`."""
    working_dir = working_dir or os.path.dirname(os.path.abspath(files[0]))
    dotenv: dict[str, str] = {}
    for path in env_files:
        try:
            dotenv.update(parse_env_file(read_file(path), path))
        except FileNotFoundError:
            raise NotFound(f"couldn't find env file: {path}") from None
    env = {**(dotenv if env_files else _dotenv(working_dir, read_file)), **environ}
    warnings: list[str] = []
    merged = load_raw([f if f == "-" else os.path.abspath(f) for f in files], working_dir, env, read_file,
                      warnings)
    name = normalize_name(project_name or env.get("COMPOSE_PROJECT_NAME") or merged.get("name")
                          or os.path.basename(working_dir))
    volumes = {key: _volume(name, key, spec or {}) for key, spec in (merged.get("volumes") or {}).items()}
    networks = {key: _network(name, key, spec or {}) for key, spec in (merged.get("networks") or {}).items()}
    networks.setdefault("default", NetworkDef(f"{name}_default"))
    secrets = {key: _file_object(name, key, spec or {}, env, working_dir)
               for key, spec in (merged.get("secrets") or {}).items()}
    configs = {key: _file_object(name, key, spec or {}, env, working_dir)
               for key, spec in (merged.get("configs") or {}).items()}
    ctx = Context(name, working_dir, env, set(volumes), set(networks), read_file, set(secrets), set(configs))
    ctx.warnings += warnings
    services = {key: load_service(key, raw or {}, ctx) for key, raw in (merged.get("services") or {}).items()}
    active = set(profiles) | set(filter(None, env.get("COMPOSE_PROFILES", "").split(",")))
    enabled = {k: s for k, s in services.items() if not s.profiles or "*" in active or active & set(s.profiles)}
    _check_dependencies(enabled)
    used = {key for s in enabled.values() for key in s.networks}
    networks = {k: n for k, n in networks.items() if k in used or k != "default"}
    return Project(name, working_dir, [os.path.abspath(f) for f in files], enabled, networks, volumes,
                   {k: s for k, s in services.items() if k not in enabled}, ctx.warnings, secrets, configs, dict(env))


def load_raw(files: list[str], working_dir: str, env: Mapping[str, str], read_file, warnings: list[str],
             including: tuple[str, ...] = ()) -> dict:
    """The files' documents, each interpolated, cast, its `include`s and `extends` applied, merged
    over the ones before and the result validated against the schema, as compose-go does."""
    merged: dict = {}

    def load_included(paths, directory, environment, chain):
        return load_raw(paths, directory, environment, read_file, warnings, chain)

    def services_of(path: str) -> dict:
        raw = merge_files([cast_types(interpolate(d, env)) for d in _read_yaml(path, read_file)])
        return raw.get("services") or {}

    for path in files:
        for document in _read_yaml(path, read_file):
            document = cast_types(interpolate(document, env))
            document = apply_include(document, working_dir, env, (*including, path), load_included, read_file)
            document = apply_extends(document, path, services_of)
            merged = merge_files([merged, document])
            validate(documents.unwrap(merged), path)
            if "version" in merged:
                warnings.append(f"{path}: the attribute `version` is obsolete, it will be ignored, please remove "
                                f"it to avoid potential confusion")
                merged.pop("version")
    return documents.unwrap(merged)


def file_variables(files: list[str], read_file) -> dict[str, tuple[bool, str, str]]:
    """The variables the files use (`config --variables`), read before interpolation."""
    found: dict = {}
    for path in files:
        for document in _read_yaml(path, read_file):
            variables(document, found)
    return found


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


def _read_yaml(path: str, read_file) -> list[dict]:
    try:
        text = read_file(path)
    except FileNotFoundError:
        raise NotFound(f"open {path}: no such file or directory") from None
    return documents.parse(text, path)


def _file_object(project: str, key: str, spec: dict, env: Mapping[str, str], working_dir: str) -> FileObject:
    """A top-level secret or config: a file (bind-mounted read-only), an environment variable or
    inline content (written into the container), or external (refused at use, as compose v2 does)."""
    variable = str(spec.get("environment") or "")
    content = spec.get("content")
    if variable:
        content = env.get(variable)
    return FileObject(name=str(spec.get("name") or f"{project}_{key}"),
                      file=host_path(str(spec["file"]), working_dir) if spec.get("file") else "",
                      environment=variable, content=None if content is None else str(content),
                      external=bool(spec.get("external")), driver=str(spec.get("driver") or ""))


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
