"""Relative paths of a raw compose mapping made absolute against the directory of the file that
wrote them, as compose-go's ResolveRelativePaths does for `include`d files and for services
`extends` takes from another file (pure)."""

from __future__ import annotations

from dockyard.compose.model.syntax import host_path as absolute


def resolve_document(document: dict, base: str) -> dict:
    out = dict(document)
    if isinstance(out.get("services"), dict):
        out["services"] = {name: resolve_service(raw, base) if isinstance(raw, dict) else raw
                           for name, raw in out["services"].items()}
    for kind in ("secrets", "configs"):
        if isinstance(out.get(kind), dict):
            out[kind] = {name: _with_file(spec, base) for name, spec in out[kind].items()}
    return out


def _with_file(spec, base: str):
    if isinstance(spec, dict) and isinstance(spec.get("file"), str):
        return {**spec, "file": absolute(spec["file"], base)}
    return spec


def resolve_service(raw: dict, base: str) -> dict:
    out = dict(raw)
    build = out.get("build")
    if isinstance(build, str) and not _remote(build):
        out["build"] = absolute(build, base)
    elif isinstance(build, dict) and isinstance(build.get("context", "."), str) \
            and not _remote(build.get("context", ".")):
        out["build"] = {**build, "context": absolute(build.get("context") or ".", base)}
    if "env_file" in out:
        files = out["env_file"] if isinstance(out["env_file"], list) else [out["env_file"]]
        out["env_file"] = [{**f, "path": absolute(str(f["path"]), base)} if isinstance(f, dict) and "path" in f
                           else absolute(str(f), base) for f in files]
    if isinstance(out.get("volumes"), list):
        out["volumes"] = [_volume(v, base) for v in out["volumes"]]
    extends = out.get("extends")
    if isinstance(extends, dict) and isinstance(extends.get("file"), str):
        out["extends"] = {**extends, "file": absolute(extends["file"], base)}
    return out


def _volume(volume, base: str):
    if isinstance(volume, str):
        source, sep, rest = volume.partition(":")
        if sep and source.startswith((".", "~")):
            return f"{absolute(source, base)}:{rest}"
        return volume
    if isinstance(volume, dict) and volume.get("type") == "bind" and isinstance(volume.get("source"), str):
        return {**volume, "source": absolute(volume["source"], base)}
    return volume


def _remote(context: str) -> bool:
    return "://" in context or context.startswith(("git@", "github.com/"))
