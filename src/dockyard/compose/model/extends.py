"""`extends`: a service built on another of the same file or of another file, as compose-go's
ApplyExtends does: the base's own `extends` first, its relative paths resolved against its own
file, then the service merged over it (pure apart from the `read` it is handed)."""

from __future__ import annotations

import os
from typing import Callable

from dockyard.compose.model.merge import merge_service
from dockyard.compose.model.paths import resolve_service
from dockyard.errors import InvalidArgument

# (path) → the file's services, interpolated and cast, relative paths still as written
ReadServices = Callable[[str], dict]


def apply_extends(document: dict, path: str, read: ReadServices) -> dict:
    services = document.get("services")
    if not isinstance(services, dict):
        return document
    services = dict(services)
    for name in list(services):
        services[name] = _extended(name, services, path, read, ())
    return {**document, "services": services}


def _extended(name: str, services: dict, path: str, read: ReadServices, seen: tuple) -> dict | None:
    service = services.get(name)
    if not isinstance(service, dict) or "extends" not in service:
        return service
    extends = service["extends"]
    ref: str | None
    if isinstance(extends, str):
        ref, file = extends, None
    elif isinstance(extends, dict):
        ref, file = extends.get("service"), extends.get("file")
        if not isinstance(ref, str):
            raise InvalidArgument(f"extends.{name}.service is required")
    else:
        raise InvalidArgument(f"services.{name}.extends must be a string or a mapping")
    if (path, name) in seen:
        raise InvalidArgument(f"Circular reference with {name} extends {ref} in {path}")
    seen = (*seen, (path, name))
    base_path, base_services = path, services
    if file is not None:
        base_path = file if os.path.isabs(file) else os.path.join(os.path.dirname(path), file)
        base_services = read(base_path)
        if ref not in base_services:
            raise InvalidArgument(f"cannot extend service {name!r} in {path}: service {ref!r} not found in {file}"
                                  .replace("'", '"'))
    elif ref not in services:
        raise InvalidArgument(f'cannot extend service "{name}" in {path}: service "{ref}" not found')
    base = _extended(ref, dict(base_services), base_path, read, seen) or {}
    if base_path != path:
        base = resolve_service(base, os.path.dirname(base_path))
    merged = merge_service({k: v for k, v in base.items() if k != "extends"},
                           {k: v for k, v in service.items() if k != "extends"})
    return merged
