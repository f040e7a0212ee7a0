"""Image config + Engine API create request -> OCI runtime spec (config.json), purely.

`generate_spec` decides nothing the engine must decide (paths, ids, namespaces to join,
the resolved user); those arrive in `SpecContext`. Everything else follows Docker's rules.
"""

import json
from typing import Any
from dataclasses import dataclass, field

from dockyard.errors import InvalidArgument
from dockyard.oci import defaults
from dockyard.oci.annotations import INIT_ANNOTATION
from dockyard.oci.capabilities import CAPABILITY_NAMES, tweak_capabilities
from dockyard.oci.process_args import resolve_args, resolve_env
from dockyard.oci.resources import device_rule, linux_resources, parse_device_cgroup_rule
from dockyard.oci.seccomp_profile import default_seccomp_profile
from dockyard.oci.user import ResolvedUser

OCI_VERSION = "1.0.2"
INIT_MOUNT_POINT = "/sbin/docker-init"


@dataclass
class SpecContext:
    rootfs: str                                  # absolute, or relative to the bundle
    hostname: str
    user: ResolvedUser = field(default_factory=lambda: ResolvedUser(0, 0))
    hostname_path: str | None = None
    hosts_path: str | None = None
    resolv_conf_path: str | None = None
    netns_path: str | None = None                # join this netns; None: a new one
    namespace_paths: dict[str, str] = field(default_factory=dict)  # container:<id> modes
    shm_path: str | None = None                  # a host tmpfs as /dev/shm (--ipc shareable, container:<id>)
    cgroupns_private: bool = False
    cgroup_path: str = ""
    mounts: list[dict] = field(default_factory=list)   # from the volume layer
    host_capabilities: list[str] = field(default_factory=lambda: list(CAPABILITY_NAMES))
    host_devices: list[dict] = field(default_factory=list)  # OCI devices, for --privileged
    # --device: OCI device entries (path = the path in the container) plus "access" ("rwm"),
    # resolved from HostConfig.Devices by the engine (runtime.host.device_for).
    devices: list[dict] = field(default_factory=list)
    init_path: str | None = None                 # host path of an init binary (tini-like)
    annotations: dict[str, str] = field(default_factory=dict)


def generate_spec(image_config: dict, create: dict, ctx: SpecContext) -> dict:
    host = create.get("HostConfig") or {}
    privileged = bool(host.get("Privileged"))
    caps = _capabilities(host, ctx, privileged)
    readonly = bool(host.get("ReadonlyRootfs"))
    mounts = _mounts(host, ctx, privileged, readonly)
    spec: dict[str, Any] = {
        "ociVersion": OCI_VERSION,
        "process": _process(image_config, create, host, ctx, caps),
        "root": {"path": ctx.rootfs, "readonly": readonly},
        "hostname": ctx.hostname,
        "mounts": mounts,
        "linux": _linux(host, ctx, privileged, caps),
    }
    propagation = _rootfs_propagation(mounts)
    if propagation:
        spec["linux"]["rootfsPropagation"] = propagation
    if create.get("Domainname"):
        spec["domainname"] = create["Domainname"]
    if ctx.namespace_paths.get("uts"):   # a joined UTS namespace keeps the names its owner set
        spec.pop("hostname")
        spec.pop("domainname", None)
    annotations = dict(ctx.annotations)
    if host.get("Init") and not ctx.init_path:
        annotations[INIT_ANNOTATION] = "reaper"
    if annotations:
        spec["annotations"] = annotations
    return spec


def _capabilities(host: dict, ctx: SpecContext, privileged: bool) -> list[str]:
    if privileged:
        return [c for c in CAPABILITY_NAMES if c in ctx.host_capabilities]
    return tweak_capabilities(host.get("CapAdd"), host.get("CapDrop"), ctx.host_capabilities)


def _process(image_config: dict, create: dict, host: dict, ctx: SpecContext, caps: list[str]) -> dict:
    args = resolve_args(image_config, create)
    if host.get("Init") and ctx.init_path:
        args = [INIT_MOUNT_POINT, "--", *args]
    tty = bool(create.get("Tty"))
    user = ctx.user
    process: dict = {
        "terminal": tty,
        "user": {"uid": user.uid, "gid": user.gid},
        "args": args,
        "env": resolve_env(image_config, create, ctx.hostname),
        "cwd": create.get("WorkingDir") or image_config.get("WorkingDir") or "/",
        "capabilities": {"bounding": caps, "effective": caps, "permitted": caps},
        "oomScoreAdj": int(host.get("OomScoreAdj") or 0),
    }
    if user.additional_gids:
        process["user"]["additionalGids"] = list(user.additional_gids)
    size = host.get("ConsoleSize") or [0, 0]
    if tty and size[0] and size[1]:
        process["consoleSize"] = {"height": int(size[0]), "width": int(size[1])}
    if _no_new_privileges(host):
        process["noNewPrivileges"] = True
    rlimits = _rlimits(host.get("Ulimits"))
    if rlimits:
        process["rlimits"] = rlimits
    return process


def _rlimits(ulimits: list[dict] | None) -> list[dict]:
    return [
        {"type": "RLIMIT_" + u["Name"].upper(), "hard": int(u["Hard"]), "soft": int(u["Soft"])}
        for u in ulimits or []
    ]


def _no_new_privileges(host: dict) -> bool:
    opts = host.get("SecurityOpt") or []
    return any(o in ("no-new-privileges", "no-new-privileges:true", "no-new-privileges=true")
               for o in opts)


def _mounts(host: dict, ctx: SpecContext, privileged: bool, readonly: bool) -> list[dict]:
    shm = int(host.get("ShmSize") or 0) or defaults.DEFAULT_SHM_SIZE
    base = defaults.default_mounts(shm, privileged)
    ipc = host.get("IpcMode") or ""
    if ipc == "host" or ipc.startswith("container:") or ctx.shm_path:
        base = [m for m in base if m["destination"] != "/dev/shm"]
    extra: list[dict] = []
    if ctx.shm_path:
        extra.append({"destination": "/dev/shm", "type": "bind", "source": ctx.shm_path,
                      "options": ["rbind", "rprivate"]})
    etc_opts = ["rbind", "rprivate"] + (["ro"] if readonly else [])
    for dest, path in (("/etc/resolv.conf", ctx.resolv_conf_path),
                       ("/etc/hostname", ctx.hostname_path), ("/etc/hosts", ctx.hosts_path)):
        if path:
            extra.append({"destination": dest, "type": "bind", "source": path, "options": list(etc_opts)})
    for dest, opts in (host.get("Tmpfs") or {}).items():
        user_opts = [o for o in (opts or "").split(",") if o]
        extra.append({"destination": dest, "type": "tmpfs", "source": "tmpfs",
                      "options": ["noexec", "nosuid", "nodev", *user_opts]})
    if host.get("Init") and ctx.init_path:
        extra.append({"destination": INIT_MOUNT_POINT, "type": "bind", "source": ctx.init_path,
                      "options": ["bind", "ro"]})
    extra += ctx.mounts
    taken = {m["destination"] for m in extra}
    # Defaults in Docker's order unless overridden; the rest parents before children.
    return [m for m in base if m["destination"] not in taken] + sorted(extra, key=_depth)


def _rootfs_propagation(mounts: list[dict]) -> str:
    """dockerd's rule: a shared bind needs a shared root (its copies of the host's mounts stay
    peers of theirs), a slave bind a slave one; "" leaves the runtime's default."""
    kinds = {o for m in mounts if m["type"] == "bind" for o in m.get("options", [])}
    if kinds & {"shared", "rshared"}:
        return "shared"
    if kinds & {"slave", "rslave"}:
        return "rslave"
    return ""


def _depth(mount: dict) -> int:
    return mount["destination"].rstrip("/").count("/")


def _namespaces(host: dict, ctx: SpecContext) -> list[dict]:
    modes = {"pid": host.get("PidMode") or "", "ipc": host.get("IpcMode") or "",
             "uts": host.get("UTSMode") or "", "network": host.get("NetworkMode") or ""}
    namespaces = []
    for kind in ("pid", "network", "ipc", "uts", "mount", "cgroup"):
        if modes.get(kind) == "host" or (kind == "cgroup" and not ctx.cgroupns_private):
            continue
        entry = {"type": kind}
        path = ctx.netns_path if kind == "network" else ctx.namespace_paths.get(kind)
        if path:
            entry["path"] = path
        namespaces.append(entry)
    return namespaces


def _linux(host: dict, ctx: SpecContext, privileged: bool, caps: list[str]) -> dict:
    linux: dict = {
        "namespaces": _namespaces(host, ctx),
        "resources": linux_resources(host, privileged),
        "cgroupsPath": ctx.cgroup_path,
    }
    if privileged:
        linux["devices"] = list(ctx.host_devices)
    elif ctx.devices:
        linux["devices"] = [{k: v for k, v in d.items() if k != "access"} for d in ctx.devices]
        linux["resources"]["devices"] += [device_rule(d) for d in ctx.devices]
    if not privileged:
        linux["resources"]["devices"] += [parse_device_cgroup_rule(rule)
                                          for rule in host.get("DeviceCgroupRules") or []]
    if host.get("Sysctls"):
        linux["sysctl"] = dict(host["Sysctls"])
    seccomp = _seccomp(host, privileged, caps)
    if seccomp is not None:
        linux["seccomp"] = seccomp
    if not privileged:  # [] from `--security-opt systempaths=unconfined` lifts them
        masked, read_only = host.get("MaskedPaths"), host.get("ReadonlyPaths")
        linux["maskedPaths"] = list(defaults.MASKED_PATHS if masked is None else masked)
        linux["readonlyPaths"] = list(defaults.READONLY_PATHS if read_only is None else read_only)
    return linux


def _seccomp(host: dict, privileged: bool, caps: list[str]) -> dict | None:
    if privileged:
        return None
    for opt in host.get("SecurityOpt") or []:
        key, _sep, value = opt.partition("=") if "=" in opt else opt.partition(":")
        if key != "seccomp":
            continue
        if value == "unconfined":
            return None
        if value == "builtin":
            break
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise InvalidArgument(f"decoding seccomp profile failed: {exc}") from None
    return default_seccomp_profile(caps)
