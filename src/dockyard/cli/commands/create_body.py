"""The create body Docker's CLI sends for `run`/`create` flags (engine-api.md §10.1), and the
parsers of Docker's flag values: sizes, durations, ports, volumes, mounts (pure)."""

from __future__ import annotations

import ipaddress
import os
import re
from typing import Mapping

from dockyard.errors import InvalidArgument
from dockyard.wire.humanize import ram_in_bytes

_DURATION_UNITS = {"ns": 1, "us": 1_000, "µs": 1_000, "ms": 1_000_000, "s": 1_000_000_000,
                   "m": 60_000_000_000, "h": 3_600_000_000_000}


def duration_ns(text: str) -> int:
    """Go's time.ParseDuration: `1m30s`, `500ms`, `2h`."""
    parts = re.findall(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)", text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise InvalidArgument(f'invalid argument "{text}": time: invalid duration "{text}"')
    return int(sum(float(n) * _DURATION_UNITS[u] for n, u in parts))


def nano_cpus(text: str) -> int:
    try:
        return round(float(text) * 1e9)
    except ValueError:
        raise InvalidArgument(f"failed to parse {text} as a rational number") from None


# ---- ports ------------------------------------------------------------------------------------

def _port_range(text: str, lowest: int = 1) -> tuple[int, int]:
    start, _, end = text.partition("-")
    try:
        first, last = int(start), int(end or start)
    except ValueError:
        raise InvalidArgument(f"invalid port range: {text}") from None
    if not (lowest <= first <= last <= 65535):
        raise InvalidArgument(f"invalid port range: {text}")
    return first, last


def parse_publish(spec: str) -> list[tuple[str, dict]]:
    """`-p [ip:][host:]container[/proto]` → [("80/tcp", {"HostIp", "HostPort"}), ...] (nat.ParsePortSpec)."""
    parts = spec.split(":")
    container = parts[-1]
    host = parts[-2] if len(parts) >= 2 else ""
    ip = ":".join(parts[:-2]) if len(parts) >= 3 else ""
    container, _, proto = container.partition("/")
    proto = (proto or "tcp").lower()
    if ip.startswith("[") and ip.endswith("]"):
        ip = ip[1:-1]
    if ip:
        try:
            ipaddress.ip_address(ip)
        except ValueError:
            raise InvalidArgument(f"invalid IP address: {ip}") from None
    if not container:
        raise InvalidArgument(f"no port specified: {spec}<empty>")
    if proto not in ("tcp", "udp", "sctp"):
        raise InvalidArgument(f"invalid proto: {proto}")
    first, last = _port_range(container)
    host_first, host_last = _port_range(host, lowest=0) if host else (0, 0)
    if host and last - first != host_last - host_first and last != first:
        raise InvalidArgument(f"invalid ranges specified for container and host Ports: {container} and {host}")
    mappings = []
    for offset in range(last - first + 1):
        host_port = str(host_first + offset) if host else ""
        if host and first == last and host_first != host_last:
            host_port = f"{host_first}-{host_last}"  # a range the daemon picks a free port from
        mappings.append((f"{first + offset}/{proto}", {"HostIp": ip, "HostPort": host_port}))
    return mappings


def parse_expose(spec: str) -> list[str]:
    port, _, proto = spec.partition("/")
    first, last = _port_range(port)
    return [f"{n}/{(proto or 'tcp').lower()}" for n in range(first, last + 1)]


# ---- storage ----------------------------------------------------------------------------------

def split_volume(spec: str, cwd: str) -> tuple[str | None, str]:
    """(bind for HostConfig.Binds, or None) and the anonymous volume path otherwise (`-v`)."""
    parts = spec.split(":")
    if len(parts) == 1:
        if not spec.startswith("/"):
            raise InvalidArgument(f"invalid volume specification: '{spec}'")
        return None, spec
    if len(parts) > 3 or not parts[1].startswith("/"):
        raise InvalidArgument(f"invalid volume specification: '{spec}'")
    source = parts[0]
    if source.startswith("."):
        source = os.path.normpath(os.path.join(cwd, source))
    return ":".join([source] + parts[1:]), ""


def parse_mount(spec: str) -> dict:
    """`--mount type=bind,src=/a,dst=/b,readonly` → a HostConfig.Mounts entry (empty fields omitted)."""
    mount: dict = {"Type": "volume"}
    options: dict[str, str | None] = {}
    for field in spec.split(","):
        key, eq, given = field.partition("=")
        options[key.strip().lower()] = given if eq else None
    for key, value in options.items():
        if key == "type":
            mount["Type"] = value
        elif key in ("source", "src"):
            mount["Source"] = value
        elif key in ("target", "destination", "dst"):
            mount["Target"] = value
        elif key in ("readonly", "ro"):
            mount["ReadOnly"] = value is None or value.lower() in ("1", "true")
        elif key == "consistency":
            mount["Consistency"] = value
        elif key == "bind-propagation":
            mount.setdefault("BindOptions", {})["Propagation"] = value
        elif key == "bind-nonrecursive":
            mount.setdefault("BindOptions", {})["NonRecursive"] = value is None or value == "true"
        elif key == "volume-nocopy":
            mount.setdefault("VolumeOptions", {})["NoCopy"] = value is None or value.lower() in ("1", "true")
        elif key == "volume-subpath":
            mount.setdefault("VolumeOptions", {})["Subpath"] = value
        elif key == "volume-label":
            label, _, text = (value or "").partition("=")
            mount.setdefault("VolumeOptions", {}).setdefault("Labels", {})[label] = text
        elif key == "volume-driver":
            mount.setdefault("VolumeOptions", {}).setdefault("DriverConfig", {})["Name"] = value
        elif key == "volume-opt":
            name, _, text = (value or "").partition("=")
            config = mount.setdefault("VolumeOptions", {}).setdefault("DriverConfig", {})
            config.setdefault("Options", {})[name] = text
        elif key == "tmpfs-size":
            mount.setdefault("TmpfsOptions", {})["SizeBytes"] = ram_in_bytes(value or "")
        elif key == "tmpfs-mode":
            mount.setdefault("TmpfsOptions", {})["Mode"] = int(value or "0", 8)
        else:
            raise InvalidArgument(f"unexpected key '{key}' in '{field}'")
    if not mount.get("Target"):
        raise InvalidArgument("target is required")
    return mount


# ---- key/value lists --------------------------------------------------------------------------

def env_entries(values: list[str], env_files: list[str], environ: Mapping[str, str]) -> list[str]:
    """`-e K=V`, `-e K` (taken from our environment when set), `--env-file` lines."""
    lines = [line for path in env_files for line in _file_lines(path)] + values
    entries = []
    for item in lines:
        key, eq, _ = item.partition("=")
        if not eq and key in environ:
            item = f"{key}={environ[key]}"
        entries.append(item)
    return entries


def label_map(values: list[str], label_files: list[str]) -> dict[str, str]:
    items = [line for path in label_files for line in _file_lines(path)] + values
    return dict(item.partition("=")[::2] for item in items)


def _file_lines(path: str) -> list[str]:
    with open(path) as f:
        return [line.strip() for line in f if line.strip() and not line.lstrip().startswith("#")]


def capability(name: str) -> str:
    upper = name.upper()
    return upper if upper == "ALL" or upper.startswith("CAP_") else "CAP_" + upper


def restart_policy(text: str | None) -> dict:
    if not text:
        return {"Name": "no", "MaximumRetryCount": 0}
    name, _, count = text.partition(":")
    if count and name != "on-failure":
        raise InvalidArgument("invalid restart policy format: maximum retry count can only be used with 'on-failure'")
    return {"Name": name, "MaximumRetryCount": int(count or 0)}


def ulimit(text: str) -> dict:
    name, _, limits = text.partition("=")
    soft, _, hard = limits.partition(":")
    try:
        return {"Name": name, "Hard": int(hard or soft), "Soft": int(soft)}
    except ValueError:
        raise InvalidArgument(f"invalid ulimit argument: {text}") from None


def device(text: str) -> dict:
    parts = text.split(":")
    permissions = "rwm"
    if len(parts) > 1 and re.fullmatch(r"[rwm]{1,3}", parts[-1]):
        permissions = parts.pop()
    return {"PathOnHost": parts[0], "PathInContainer": parts[1] if len(parts) > 1 else parts[0],
            "CgroupPermissions": permissions}


# ---- the body ---------------------------------------------------------------------------------

def build_create_body(args, detach: bool, environ: Mapping[str, str], cwd: str,
                      console_size: tuple[int, int] | None = None) -> dict:
    """The JSON body of `POST /containers/create` for parsed `run`/`create` flags."""
    attach = {stream.lower() for stream in args.attach}
    if attach - {"stdin", "stdout", "stderr"}:
        raise InvalidArgument(f"invalid argument \"{','.join(args.attach)}\" for \"-a, --attach\" flag: "
                              "valid streams are STDIN, STDOUT and STDERR")
    if args.rm and args.restart and restart_policy(args.restart)["Name"] != "no":
        raise InvalidArgument("conflicting options: cannot specify both --restart and --rm")
    if detach and attach:
        raise InvalidArgument("conflicting options: cannot specify both --attach and --detach")
    stdin = "stdin" in attach or (args.interactive and not attach)
    binds: list[str] = []
    volumes: dict[str, dict] = {}
    for spec in args.volume:
        bind, anonymous = split_volume(spec, cwd)
        if bind:
            binds.append(bind)
        else:
            volumes[anonymous] = {}
    exposed: dict[str, dict] = {}
    bindings: dict[str, list[dict]] = {}
    for spec in args.publish:
        for port, binding in parse_publish(spec):
            exposed[port] = {}
            bindings.setdefault(port, []).append(binding)
    for spec in args.expose:
        exposed.update({port: {} for port in parse_expose(spec)})
    body = {
        "Hostname": args.hostname or "", "Domainname": args.domainname or "", "User": args.user or "",
        "AttachStdin": not detach and stdin,
        "AttachStdout": not detach and (not attach or "stdout" in attach),
        "AttachStderr": not detach and (not attach or "stderr" in attach),
        "Tty": args.tty, "OpenStdin": args.interactive, "StdinOnce": args.interactive and not detach,
        "Env": env_entries(args.env, args.env_file, environ) or None,
        "Cmd": args.command or None, "Image": args.image, "Volumes": volumes,
        "WorkingDir": args.workdir or "",
        "Entrypoint": None if args.entrypoint is None else ([args.entrypoint] if args.entrypoint else [""]),
        "OnBuild": None, "Labels": label_map(args.label, args.label_file),
        "HostConfig": _host_config(args, binds, bindings, console_size),
        "NetworkingConfig": {"EndpointsConfig": {args.network: _endpoint(args)}},
    }
    if exposed:
        body["ExposedPorts"] = exposed
    health = _healthcheck(args)
    if health:
        body["Healthcheck"] = health
    if args.stop_signal:
        body["StopSignal"] = args.stop_signal
    if args.stop_timeout is not None:
        body["StopTimeout"] = args.stop_timeout
    return body


def _host_config(args, binds: list[str], bindings: dict, console_size) -> dict:
    host = {
        "Binds": binds or None, "ContainerIDFile": "",
        "LogConfig": {"Type": args.log_driver, "Config": dict(o.partition("=")[::2] for o in args.log_opt)},
        "NetworkMode": args.network, "PortBindings": bindings, "RestartPolicy": restart_policy(args.restart),
        "AutoRemove": args.rm, "VolumeDriver": args.volume_driver, "VolumesFrom": args.volumes_from or None,
        "ConsoleSize": list(console_size) if args.tty and console_size else [0, 0],
        "CapAdd": [capability(c) for c in args.cap_add] or None,
        "CapDrop": [capability(c) for c in args.cap_drop] or None,
        "CgroupnsMode": args.cgroupns or "", "Dns": args.dns, "DnsOptions": args.dns_option,
        "DnsSearch": args.dns_search, "ExtraHosts": args.add_host or None, "GroupAdd": args.group_add or None,
        "IpcMode": args.ipc or "", "Links": args.link or None, "OomScoreAdj": args.oom_score_adj,
        "PidMode": args.pid or "", "Privileged": args.privileged, "PublishAllPorts": args.publish_all,
        "ReadonlyRootfs": args.read_only, "SecurityOpt": args.security_opt or None,
        "UTSMode": args.uts or "", "UsernsMode": args.userns or "",
        "ShmSize": ram_in_bytes(args.shm_size) if args.shm_size else 0,
        "CpuShares": args.cpu_shares, "Memory": ram_in_bytes(args.memory) if args.memory else 0,
        "NanoCpus": nano_cpus(args.cpus) if args.cpus else 0, "CpuPeriod": args.cpu_period,
        "CpuQuota": args.cpu_quota, "CpusetCpus": args.cpuset_cpus, "CpusetMems": args.cpuset_mems,
        "BlkioWeight": args.blkio_weight, "Devices": [device(d) for d in args.device],
        "MemoryReservation": ram_in_bytes(args.memory_reservation) if args.memory_reservation else 0,
        "MemorySwap": _swap(args.memory_swap), "MemorySwappiness": args.memory_swappiness,
        "OomKillDisable": args.oom_kill_disable, "PidsLimit": args.pids_limit or 0,
        "Ulimits": [ulimit(u) for u in args.ulimit],
    }
    if args.tmpfs:
        host["Tmpfs"] = dict(t.partition(":")[::2] for t in args.tmpfs)
    if args.mount:
        host["Mounts"] = [parse_mount(m) for m in args.mount]
    if args.sysctl:
        host["Sysctls"] = dict(s.partition("=")[::2] for s in args.sysctl)
    if args.runtime:
        host["Runtime"] = args.runtime
    if args.init:
        host["Init"] = True
    return host


def _swap(text: str | None) -> int:
    if not text:
        return 0
    return -1 if text == "-1" else ram_in_bytes(text)


def _endpoint(args) -> dict:
    endpoint: dict = {"IPAMConfig": None, "Links": None, "Aliases": args.network_alias or None,
                      "MacAddress": args.mac_address or ""}
    if args.ip or args.ip6:
        endpoint["IPAMConfig"] = {k: v for k, v in (("IPv4Address", args.ip), ("IPv6Address", args.ip6)) if v}
    return endpoint


def _healthcheck(args) -> dict | None:
    if args.no_healthcheck:
        if args.health_cmd:
            raise InvalidArgument("--no-healthcheck conflicts with --health-* options")
        return {"Test": ["NONE"]}
    health: dict = {}
    if args.health_cmd:
        health["Test"] = ["CMD-SHELL", args.health_cmd]
    for flag, key in (("health_interval", "Interval"), ("health_timeout", "Timeout"),
                      ("health_start_period", "StartPeriod"), ("health_start_interval", "StartInterval")):
        if getattr(args, flag):
            health[key] = duration_ns(getattr(args, flag))
    if args.health_retries:
        health["Retries"] = args.health_retries
    return health or None
