"""One service's raw mapping → Service, every short syntax expanded (pure)."""

from __future__ import annotations

from typing import AbstractSet, Mapping

from dockyard.compose.model import host, syntax
from dockyard.compose.model.durations import duration_ns
from dockyard.compose.model.interpolate import parse_env_file
from dockyard.compose.model.types import Attachment, Build, FileReference, Healthcheck, Service, WatchRule
from dockyard.errors import InvalidArgument

# Keys the Compose Specification defines that cannot work here: warned about, ignored. isolation is
# Windows', attach is a per-service `up` option.
IGNORED = {"isolation", "attach"}

_SIMPLE = ("container_name", "hostname", "user", "working_dir", "stop_signal", "network_mode", "pull_policy",
           "restart")
_FLAGS = ("tty", "stdin_open", "privileged", "init", "read_only")
_LISTS = ("cap_add", "cap_drop", "dns", "expose", "profiles")
_KNOWN = {"image", "build", "command", "entrypoint", "environment", "env_file", "labels", "ports", "volumes",
          "depends_on", "healthcheck", "networks", "extra_hosts", "tmpfs", "sysctls", "stop_grace_period",
          "scale", "secrets", "configs", "develop", *_SIMPLE, *_FLAGS, *_LISTS, *IGNORED, *host.KEYS}


def load_service(name: str, raw: dict, ctx: "Context") -> Service:
    where = f"services.{name}"
    if not isinstance(raw, dict):
        raise InvalidArgument(f"{where} must be a mapping")
    unknown = sorted(k for k in raw if k not in _KNOWN and not k.startswith("x-"))
    if unknown:
        raise InvalidArgument(f"{where}.{unknown[0]} is not supported by dockyard compose")
    ctx.warnings += [f"{where}.{k} is not supported by dockyard compose; ignored"
                     for k in sorted(raw) if k in IGNORED]
    service = Service(name=name, image=_image(name, raw, ctx), build=_build(raw.get("build"), where, ctx))
    for key in _SIMPLE:
        setattr(service, key, str(raw.get(key) or ""))
    for key in _FLAGS:
        setattr(service, key, bool(raw.get(key)))
    for key in _LISTS:
        setattr(service, key, [str(v) for v in syntax.listify(raw.get(key))])
    service.command = syntax.command(raw.get("command"), f"{where}.command")
    service.entrypoint = syntax.command(raw.get("entrypoint"), f"{where}.entrypoint")
    service.environment = _environment(raw, where, ctx)
    service.labels = syntax.mapping(raw.get("labels"), f"{where}.labels")
    service.sysctls = syntax.mapping(raw.get("sysctls"), f"{where}.sysctls")
    service.extra_hosts = _extra_hosts(raw.get("extra_hosts"))
    service.tmpfs = [str(v) for v in syntax.listify(raw.get("tmpfs"))]
    service.ports = syntax.ports(raw.get("ports"), f"{where}.ports")
    service.volumes = syntax.volumes(raw.get("volumes"), where, ctx.working_dir, ctx.volume_keys)
    service.depends_on = syntax.depends_on(raw.get("depends_on"), f"{where}.depends_on")
    _healthcheck(service, raw.get("healthcheck"), where)
    service.networks = _networks(raw.get("networks"), where, ctx.network_keys, service.network_mode)
    if raw.get("stop_grace_period") is not None:
        service.stop_grace_period = duration_ns(raw["stop_grace_period"], where) // 1_000_000_000
    service.secrets = _file_references(raw.get("secrets"), name, "secret", ctx.secret_keys, "/run/secrets/")
    service.configs = _file_references(raw.get("configs"), name, "config", ctx.config_keys, "/")
    service.watch = _watch_rules((raw.get("develop") or {}).get("watch"), ctx.working_dir)
    host.load_host_keys(service, raw, where, ctx)
    service.scale = int(raw.get("scale", (raw.get("deploy") or {}).get("replicas", 1)))
    return service


class Context:
    """What normalising a service needs from the rest of the project."""

    def __init__(self, project: str, working_dir: str, env: Mapping[str, str], volume_keys: set[str],
                 network_keys: set[str], read_file, secret_keys: AbstractSet[str] = frozenset(),
                 config_keys: AbstractSet[str] = frozenset()):
        self.project = project
        self.working_dir, self.env = working_dir, env
        self.volume_keys, self.network_keys = volume_keys, network_keys
        self.secret_keys, self.config_keys = secret_keys, config_keys
        self.read_file = read_file  # path → text (env_file)
        self.warnings: list[str] = []


def _file_references(value, service: str, kind: str, defined: AbstractSet[str], base: str) -> list[FileReference]:
    """`secrets: [token]` or `[{source, target, uid, gid, mode}]`; a relative target is under
    `base` (/run/secrets/ for secrets, / for configs), as compose v2 places them."""
    out = []
    for entry in value or []:
        spec = {"source": entry} if isinstance(entry, str) else dict(entry)
        source = str(spec.get("source") or "")
        if source not in defined:
            raise InvalidArgument(f'service "{service}" refers to undefined {kind} {source}: invalid compose project')
        target = str(spec.get("target") or source)
        mode = spec.get("mode")
        out.append(FileReference(source, target if target.startswith("/") else base + target,
                                 str(spec.get("uid") or ""), str(spec.get("gid") or ""),
                                 None if mode is None else _file_mode(mode)))
    return out


def _watch_rules(rules, working_dir: str) -> list[WatchRule]:
    out = []
    for rule in rules or []:
        command = (rule.get("exec") or {}).get("command")
        out.append(WatchRule(syntax.host_path(str(rule["path"]), working_dir), str(rule["action"]),
                             str(rule.get("target") or ""), tuple(str(p) for p in syntax.listify(rule.get("ignore"))),
                             tuple(str(p) for p in syntax.listify(rule.get("include"))), bool(rule.get("initial_sync")),
                             tuple(syntax.command(command, "exec.command") or ())))
    return out


def _file_mode(mode) -> int:
    """An integer, or a string read as octal (`"0440"`), as compose-go's FileMode."""
    return mode if isinstance(mode, int) else int(str(mode), 8)


def _image(name: str, raw: dict, ctx: Context) -> str:
    """The image as written, or for a service that is only built compose's `<project>-<service>`."""
    image = raw.get("image")
    if not image and "build" not in raw:
        raise InvalidArgument(f"service {name} has neither an image nor a build context specified: "
                              f"invalid compose project")
    return str(image or f"{ctx.project}-{name}")


def _build(raw, where: str, ctx: Context) -> Build | None:
    """`build: ./dir` or `build: {context, dockerfile, args, target, labels}`."""
    if raw is None:
        return None
    spec = {"context": raw} if isinstance(raw, str) else dict(raw)
    args = syntax.mapping(spec.get("args"), f"{where}.build.args", null_from=ctx.env)
    labels = syntax.mapping(spec.get("labels"), f"{where}.build.labels")
    return Build(syntax.host_path(str(spec.get("context") or "."), ctx.working_dir),
                 str(spec.get("dockerfile") or "Dockerfile"), tuple(args.items()), str(spec.get("target") or ""),
                 tuple(labels.items()))



def _environment(raw: dict, where: str, ctx: Context) -> dict[str, str]:
    env: dict[str, str] = {}
    for entry in syntax.listify(raw.get("env_file")):
        path = entry.get("path") if isinstance(entry, dict) else entry
        required = entry.get("required", True) if isinstance(entry, dict) else True
        full = syntax.host_path(str(path), ctx.working_dir)
        try:
            env.update(parse_env_file(ctx.read_file(full), full))
        except FileNotFoundError:
            if required:
                raise InvalidArgument(f"{where}.env_file: {full} not found") from None
    env.update(syntax.mapping(raw.get("environment"), f"{where}.environment", null_from=ctx.env))
    return env


def _extra_hosts(value) -> list[str]:
    if isinstance(value, dict):
        return [f"{host}:{ip}" for host, ip in value.items()]
    return [str(v).replace("=", ":", 1) if "=" in str(v) else str(v) for v in syntax.listify(value)]


def _healthcheck(service: Service, raw, where: str) -> None:
    if not raw:
        return
    if raw.get("disable"):
        service.healthcheck_disabled = True
        return
    test = raw.get("test")
    if isinstance(test, str):
        test = ["CMD-SHELL", test]
    if test is not None and not isinstance(test, list):
        raise InvalidArgument(f"{where}.healthcheck.test must be a string or a list")
    if test == ["NONE"]:
        service.healthcheck_disabled = True
        return
    service.healthcheck = Healthcheck(
        test=[str(t) for t in test or []],
        interval=duration_ns(raw.get("interval", 0), f"{where}.healthcheck.interval"),
        timeout=duration_ns(raw.get("timeout", 0), f"{where}.healthcheck.timeout"),
        start_period=duration_ns(raw.get("start_period", 0), f"{where}.healthcheck.start_period"),
        retries=int(raw.get("retries", 0)))


def _networks(raw, where: str, declared: set[str], network_mode: str) -> dict[str, Attachment]:
    if network_mode:
        if raw:
            raise InvalidArgument(f"{where}: network_mode and networks cannot be combined")
        return {}
    if raw is None:
        return {"default": Attachment()}
    items = dict.fromkeys(raw) if isinstance(raw, list) else raw
    out = {}
    for key, spec in sorted(items.items(), key=lambda item: (-int((item[1] or {}).get("priority") or 0), item[0])):
        if key not in declared:
            raise InvalidArgument(f"service {where.split('.')[1]} refers to undefined network {key}: "
                                  f"invalid compose project")
        spec = spec or {}
        out[key] = Attachment(tuple(str(a) for a in spec.get("aliases") or ()), str(spec.get("ipv4_address") or ""),
                              int(spec.get("priority") or 0))
    return out
