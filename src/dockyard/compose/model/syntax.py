"""The short and long syntaxes of ports, volumes, environment, labels and depends_on (pure)."""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Mapping

from dockyard.compose.model.types import Dependency, Mount, Port
from dockyard.errors import InvalidArgument

_CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}


def listify(value) -> list:
    """A key that takes one value or a list of them: always the list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def mapping(value, where: str, null_from: Mapping[str, str] | None = None) -> dict[str, str]:
    """`environment`/`labels`: a mapping or a list of `KEY=VALUE`. A key without a value takes
    it from `null_from` (the environment) or is left out."""
    if value is None:
        return {}
    items = value.items() if isinstance(value, dict) else (_split_item(v, where) for v in value)
    out = {}
    for key, val in items:
        if val is None:
            if null_from is not None and key in null_from:
                out[str(key)] = null_from[key]
            continue
        out[str(key)] = _scalar(val)
    return out


def _split_item(item, where: str):
    if not isinstance(item, str):
        raise InvalidArgument(f"{where}: expected KEY=VALUE strings, got {item!r}")
    key, sep, val = item.partition("=")
    return key, (val if sep else None)


def _scalar(value) -> str:
    """A YAML scalar as compose v2 writes it into a string: `true`, `1.5`, `1000` for 1e3."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    return str(value)


def command(value, where: str) -> list[str] | None:
    """`command`/`entrypoint`: a list as is, a string split as a shell would."""
    if value is None:
        return None
    if isinstance(value, str):
        return shlex.split(value)
    if isinstance(value, list):
        return [str(v) for v in value]
    raise InvalidArgument(f"{where}: expected a string or a list")


def ports(values, where: str) -> list[Port]:
    out: list[Port] = []
    for value in values or []:
        if isinstance(value, dict):
            out.append(_long_port(value, where))
        else:
            out.extend(_short_ports(str(value), where))
    return out


def _long_port(value: dict, where: str) -> Port:
    if "target" not in value:
        raise InvalidArgument(f"{where}: a port needs a target")
    return Port(int(value["target"]), str(value.get("published") or ""), str(value.get("host_ip") or ""),
                str(value.get("protocol") or "tcp"))


_SHORT_PORT = re.compile(r"^(?:(?:\[(?P<ip6>[^\]]+)\]|(?P<ip>[^:\[\]]*)):)??(?:(?P<host>[\d-]*):)?"
                         r"(?P<target>[\d-]+)(?:/(?P<proto>\w+))?$")


def _short_ports(text: str, where: str) -> list[Port]:
    """`80`, `8080:80`, `127.0.0.1:8080:80`, `127.0.0.1::80`, `8000-8001:80-81/udp`."""
    match = _SHORT_PORT.match(text)
    if match is None:
        raise InvalidArgument(f"{where}: invalid port {text!r}")
    ip = match.group("ip6") or match.group("ip") or ""
    proto = match.group("proto") or "tcp"
    targets = _port_range(match.group("target"), text, where)
    hosts = _port_range(match.group("host"), text, where) if match.group("host") else []
    if hosts and len(hosts) != len(targets):
        if len(targets) == 1:
            return [Port(targets[0], f"{hosts[0]}-{hosts[-1]}", ip, proto)]
        raise InvalidArgument(f"{where}: port ranges of different lengths in {text!r}")
    return [Port(t, str(hosts[i]) if hosts else "", ip, proto) for i, t in enumerate(targets)]


def _port_range(text: str, whole: str, where: str) -> list[int]:
    first, _, last = text.partition("-")
    if not first.isdigit() or (last and not last.isdigit()):
        raise InvalidArgument(f"{where}: invalid port {whole!r}")
    return list(range(int(first), int(last or first) + 1))


def volumes(values, where: str, working_dir: str, declared: set[str]) -> list[Mount]:
    out = []
    for value in values or []:
        mount = _long_volume(value, where, working_dir) if isinstance(value, dict) \
            else _short_volume(str(value), where, working_dir)
        if mount.type == "volume" and mount.source and mount.source not in declared:
            raise InvalidArgument(f"service {where.split('.')[1]} refers to undefined volume {mount.source}: "
                                  f"invalid compose project")
        out.append(mount)
    return out


def _short_volume(text: str, where: str, working_dir: str) -> Mount:
    """`/target`, `name:/target[:ro]`, `./dir:/target[:rw]`, `/abs:/target`."""
    parts = text.split(":")
    if len(parts) == 1:
        return Mount("volume", parts[0])
    if len(parts) > 3:
        raise InvalidArgument(f"{where}: invalid volume {text!r}")
    source, target = parts[0], parts[1]
    read_only = len(parts) == 3 and "ro" in parts[2].split(",")
    if _is_path(source):
        return Mount("bind", target, host_path(source, working_dir), read_only)
    return Mount("volume", target, source, read_only)


def _long_volume(value: dict, where: str, working_dir: str) -> Mount:
    kind = value.get("type") or "volume"
    target = value.get("target")
    if not target:
        raise InvalidArgument(f"{where}: a volume needs a target")
    source = str(value.get("source") or "")
    if kind == "bind":
        if not source:
            raise InvalidArgument(f"{where}: a bind mount needs a source")
        source = host_path(source, working_dir)
    elif kind not in ("volume", "tmpfs"):
        raise InvalidArgument(f"{where}: volume type {kind!r} is not supported")
    return Mount(kind, str(target), source, bool(value.get("read_only")))


def _is_path(source: str) -> bool:
    return source.startswith(("/", ".", "~"))


def host_path(path: str, working_dir: str) -> str:
    return os.path.normpath(os.path.join(working_dir, os.path.expanduser(path)))


def depends_on(value, where: str) -> list[Dependency]:
    if value is None:
        return []
    if isinstance(value, list):
        return [Dependency(str(name)) for name in value]
    out = []
    for name, spec in value.items():
        spec = spec or {}
        condition = spec.get("condition", "service_started")
        if condition not in _CONDITIONS:
            raise InvalidArgument(f"{where}.{name}: unknown condition {condition!r}")
        out.append(Dependency(str(name), condition, bool(spec.get("required", True)), bool(spec.get("restart"))))
    return out
