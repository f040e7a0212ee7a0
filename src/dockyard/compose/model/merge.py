"""Merging `-f` files, later over earlier, by the Compose Specification's rules (pure)."""

from __future__ import annotations

from dockyard.compose.model.documents import RESET, Override

# Mappings that may be written as `KEY=VALUE` lists: merged by key.
_KEYED_LISTS = {"environment", "labels", "sysctls", "extra_hosts_map", "args"}
# Sequences whose entries add up (duplicates dropped).
_APPENDED = {"ports", "expose", "dns", "dns_search", "cap_add", "cap_drop", "extra_hosts", "env_file",
             "tmpfs", "profiles", "external_links", "links", "security_opt", "volumes_from", "devices"}


def merge_files(documents: list[dict]) -> dict:
    merged: dict = {}
    for document in documents:
        merged = _merge_top(merged, document or {})
    return merged


def _merge_top(base: dict, over: dict) -> dict:
    out = dict(base)
    for key, value in over.items():
        if _marked(out, key, value):
            continue
        if key == "services":
            services = dict(out.get("services") or {})
            for name, service in (value or {}).items():
                if _marked(services, name, service):
                    continue
                old = services.get(name)
                if isinstance(old, dict) and isinstance(service, dict):
                    services[name] = merge_service(old, service)
                else:
                    services[name] = service
            out["services"] = services
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    return out


def merge_service(base: dict, over: dict) -> dict:
    out = dict(base)
    for key, value in over.items():
        if _marked(out, key, value):
            continue
        if key not in out:
            out[key] = value
            continue
        old = out.get(key)
        if key in _KEYED_LISTS:
            out[key] = {**_as_mapping(old), **_as_mapping(value)}
        elif key in _APPENDED and isinstance(old, list) and isinstance(value, list):
            out[key] = old + [v for v in value if v not in old]
        elif key == "volumes" and isinstance(old, list) and isinstance(value, list):
            out[key] = _merge_by_target(old, value)
        elif key == "depends_on":
            started = {"condition": "service_started", "required": True}
            out[key] = {**_as_mapping(old, default=started), **_as_mapping(value, default=started)}
        elif isinstance(value, dict) and isinstance(old, dict) and key not in ("healthcheck",):
            out[key] = {**old, **value}
        else:
            out[key] = value
    return out


def _marked(out: dict, key: str, value) -> bool:
    """`!reset` removes the key, `!override` replaces it: True when one of them applied."""
    if value is RESET:
        out.pop(key, None)
    elif isinstance(value, Override):
        out[key] = value.value
    else:
        return False
    return True


def _as_mapping(value, default=None) -> dict:
    if value is None:
        return {}
    if isinstance(value, dict):
        return value
    out = {}
    for item in value:
        key, sep, val = str(item).partition("=")
        out[key] = val if sep else default
    return out


def _merge_by_target(old: list, new: list) -> list:
    by_target = {_target(v): v for v in old}
    for v in new:
        by_target[_target(v)] = v
    return list(by_target.values())


def _target(volume) -> str:
    if isinstance(volume, dict):
        return str(volume.get("target"))
    parts = str(volume).split(":")
    return parts[1] if len(parts) > 1 else parts[0]
