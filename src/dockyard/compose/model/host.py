"""The service keys that become HostConfig settings: resource limits (`mem_limit`, `cpus`,
`deploy.resources`...), ulimits, devices, logging, security options, namespaces, DNS options,
and references to other services (`volumes_from`, `links`, `pid`/`ipc: service:x`) — parsed
as compose-go reads them (pure)."""

from __future__ import annotations

import json

from dockyard.compose.model import syntax
from dockyard.compose.model.syntax import host_path
from dockyard.compose.model.types import Dependency, Device, Limits, Logging, Service, Ulimit
from dockyard.errors import InvalidArgument
from dockyard.wire.humanize import ram_in_bytes

KEYS = {"deploy", "logging", "ulimits", "security_opt", "devices", "dns_search", "dns_opt", "links",
        "external_links", "shm_size", "mem_limit", "memswap_limit", "mem_reservation", "cpus", "cpu_shares",
        "cpuset", "pids_limit", "pid", "ipc", "platform", "domainname", "mac_address", "oom_score_adj",
        "userns_mode", "volumes_from", "group_add", "cgroup_parent", "cpu_quota", "cpu_period", "mem_swappiness",
        "oom_kill_disable", "blkio_config", "device_cgroup_rules", "uts", "runtime"}
_STRINGS = ("pid", "ipc", "domainname", "mac_address", "platform", "uts", "runtime")
_LISTS = ("dns_search", "dns_opt", "group_add", "volumes_from", "links", "external_links")
# deploy.restart_policy.condition → the engine's policy name, as compose v2 maps it
_CONDITIONS = {"none": "no", "no": "no", "any": "always", "always": "always", "on-failure": "on-failure",
               "unless-stopped": "unless-stopped"}
_DEPLOY_USED = {"replicas", "resources", "restart_policy"}


def load_host_keys(service: Service, raw: dict, where: str, ctx) -> None:
    """Fill `service` from these keys of its raw mapping; warnings go to `ctx.warnings`."""
    for key in _STRINGS:
        setattr(service, key, str(raw.get(key) or ""))
    for key in _LISTS:
        setattr(service, key, [str(v) for v in syntax.listify(raw.get(key))])
    service.platform = service.platform or ctx.env.get("DOCKER_DEFAULT_PLATFORM", "")
    service.limits = _limits(raw, where)
    ctx.warnings += [f"{where}.blkio_config.{k} is not supported by dockyard compose; ignored"
                     for k in sorted(raw.get("blkio_config") or {}) if k != "weight"]
    service.logging = _logging(raw.get("logging"), where)
    service.security_opt, service.unconfined_paths = _security_opts(raw.get("security_opt"), ctx)
    userns = str(raw.get("userns_mode") or "")
    if userns in ("", "host"):
        service.userns_mode = userns
    else:
        ctx.warnings.append(f"{where}.userns_mode {userns!r} is not supported by dockyard (it has no user "
                            f"namespace remapping); ignored")
    _deploy(service, raw.get("deploy") or {}, where, ctx)
    _implicit_dependencies(service)



def byte_size(value, where: str) -> int:
    """compose-go's UnitBytes: an integer as is (-1 too), a string as Docker's RAMInBytes."""
    if isinstance(value, bool):
        raise InvalidArgument(f"{where}: invalid size {value!r}")
    if isinstance(value, int):
        return value
    try:
        return ram_in_bytes(str(value))
    except InvalidArgument:
        raise InvalidArgument(f"{where}: invalid size: {value!r}") from None


def nano_cpus(value, where: str) -> int:
    try:
        return round(float(value) * 1e9)
    except (TypeError, ValueError):
        raise InvalidArgument(f"{where}: invalid number of CPUs: {value!r}") from None


def _int(value, where: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidArgument(f"{where}: expected an integer, got {value!r}") from None


def _limits(raw: dict, where: str) -> Limits:
    sizes = {"memory": "mem_limit", "memory_swap": "memswap_limit", "memory_reservation": "mem_reservation",
             "shm_size": "shm_size"}
    limits = Limits()
    for field, key in sizes.items():
        if raw.get(key) is not None:
            setattr(limits, field, byte_size(raw[key], f"{where}.{key}"))
    if raw.get("cpus") is not None:
        limits.nano_cpus = nano_cpus(raw["cpus"], f"{where}.cpus")
    ints = {"cpu_shares": "cpu_shares", "pids_limit": "pids_limit", "oom_score_adj": "oom_score_adj",
            "cpu_quota": "cpu_quota", "cpu_period": "cpu_period", "mem_swappiness": "mem_swappiness"}
    for field, key in ints.items():
        if raw.get(key) is not None:
            setattr(limits, field, _int(raw[key], f"{where}.{key}"))
    limits.cpuset = str(raw.get("cpuset") or "")
    limits.cgroup_parent = str(raw.get("cgroup_parent") or "")
    limits.oom_kill_disable = bool(raw.get("oom_kill_disable"))
    limits.device_cgroup_rules = [str(r) for r in syntax.listify(raw.get("device_cgroup_rules"))]
    blkio = raw.get("blkio_config") or {}
    if blkio.get("weight") is not None:
        limits.blkio_weight = _int(blkio["weight"], f"{where}.blkio_config.weight")
    limits.ulimits = _ulimits(raw.get("ulimits"), f"{where}.ulimits")
    limits.devices = [_device(d, f"{where}.devices") for d in syntax.listify(raw.get("devices"))]
    return limits


def _ulimits(value, where: str) -> list[Ulimit]:
    """`nofile: 1024` (soft = hard) or `nofile: {soft: 1024, hard: 2048}`; sorted by name."""
    out = []
    for name, spec in sorted((value or {}).items()):
        if isinstance(spec, dict):
            soft, hard = _int(spec.get("soft", 0), f"{where}.{name}"), _int(spec.get("hard", 0), f"{where}.{name}")
            out.append(Ulimit(str(name), soft, hard))
        else:
            single = _int(spec, f"{where}.{name}")
            out.append(Ulimit(str(name), single, single))
    return out


def _device(value, where: str) -> Device:
    """`/dev/x`, `/dev/x:/dev/y`, `/dev/x:/dev/y:r`, or {source, target, permissions}."""
    if isinstance(value, dict):
        if not value.get("source"):
            raise InvalidArgument(f"{where}: a device needs a source")
        source = str(value["source"])
        return Device(source, str(value.get("target") or source), str(value.get("permissions") or "rwm"))
    parts = str(value).split(":")
    if len(parts) > 3 or not parts[0]:
        raise InvalidArgument(f"{where}: invalid device {value!r}")
    return Device(parts[0], parts[1] if len(parts) > 1 and parts[1] else parts[0],
                  parts[2] if len(parts) > 2 and parts[2] else "rwm")


def _logging(value, where: str) -> Logging | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InvalidArgument(f"{where}.logging must be a mapping")
    options = value.get("options") or {}
    return Logging(str(value.get("driver") or ""),
                   tuple((str(k), _option(v)) for k, v in options.items()))


def _option(value) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _security_opts(value, ctx) -> tuple[list[str], bool]:
    """The docker CLI's parsing that compose v2 copies: `systempaths=unconfined` lifts the masked
    and read-only paths, `seccomp=<file>` is replaced by the file's compacted JSON."""
    parsed, unconfined = [], False
    for opt in (str(o) for o in syntax.listify(value)):
        if opt == "systempaths=unconfined":
            unconfined = True
            continue
        key, sep, rest = opt.partition("=")
        if not sep and opt != "no-new-privileges":
            key, sep, rest = opt.partition(":")
            if not sep:
                raise InvalidArgument(f"invalid security-opt: {opt!r}")
        if key == "seccomp" and rest not in ("unconfined", "builtin"):
            parsed.append(f"seccomp={_seccomp_profile(rest, ctx)}")
        else:
            parsed.append(opt)
    return parsed, unconfined


def _seccomp_profile(path: str, ctx) -> str:
    full = host_path(path, ctx.working_dir)
    try:
        profile = json.loads(ctx.read_file(full))
    except FileNotFoundError:
        raise InvalidArgument(f"opening seccomp profile ({path}) failed: no such file or directory") from None
    except ValueError as err:
        raise InvalidArgument(f"compacting json for seccomp profile ({path}) failed: {err}") from None
    return json.dumps(profile, separators=(",", ":"), ensure_ascii=False)


def _deploy(service: Service, deploy: dict, where: str, ctx) -> None:
    """deploy.resources limits (memory, cpus, pids) and the memory reservation override the
    service-level keys; deploy.restart_policy overrides `restart`. The rest is Swarm's."""
    ctx.warnings += [f"{where}.deploy.{k} is not supported by dockyard compose; ignored"
                     for k in sorted(deploy) if k not in _DEPLOY_USED]
    resources = deploy.get("resources") or {}
    limits, reserved = resources.get("limits") or {}, resources.get("reservations") or {}
    ctx.warnings += [f"{where}.deploy.resources.{part}.{k} is not supported by dockyard compose; ignored"
                     for part, keys, used in (("limits", limits, {"memory", "cpus", "pids"}),
                                              ("reservations", reserved, {"memory", "cpus"}))
                     for k in sorted(keys) if k not in used]
    if limits.get("memory"):
        service.limits.memory = byte_size(limits["memory"], f"{where}.deploy.resources.limits.memory")
    if limits.get("cpus"):
        service.limits.nano_cpus = nano_cpus(limits["cpus"], f"{where}.deploy.resources.limits.cpus")
    if limits.get("pids") and int(limits["pids"]) > 0:
        service.limits.pids_limit = _int(limits["pids"], f"{where}.deploy.resources.limits.pids")
    if reserved.get("memory"):
        service.limits.memory_reservation = byte_size(reserved["memory"],
                                                      f"{where}.deploy.resources.reservations.memory")
    policy = deploy.get("restart_policy")
    if policy is not None:
        name = _CONDITIONS.get(str(policy.get("condition") or ""), str(policy.get("condition") or ""))
        attempts = policy.get("max_attempts")
        service.restart = f"{name}:{int(attempts)}" if attempts else name


def _implicit_dependencies(service: Service) -> None:
    """compose-go's: a service named by `links`, `volumes_from` or a `service:` namespace mode is
    a dependency (started first) unless depends_on already names it."""
    named = [mode.partition(":")[2] for mode in (service.network_mode, service.ipc, service.pid)
             if mode.startswith("service:")]
    named += [v.split(":")[0] for v in service.volumes_from if not v.startswith("container:")]
    named += [link.split(":")[0] for link in service.links]
    known = {d.service for d in service.depends_on}
    for name in dict.fromkeys(named):
        if name not in known:
            service.depends_on.append(Dependency(name))
