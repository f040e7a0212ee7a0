"""Fill a create request the way dockerd does: defaults, and the image's config merged in (pure)."""

import copy

from dockyard.errors import InvalidArgument

_RESTART_POLICIES = {"", "no", "always", "unless-stopped", "on-failure"}

# What dockerd shows for a key the request left out: Go's zero values (null lists).
HOST_CONFIG_DEFAULTS = {
    "Binds": None, "ContainerIDFile": "", "LogConfig": {"Type": "", "Config": {}},
    "NetworkMode": "default", "PortBindings": None, "RestartPolicy": {"Name": "no", "MaximumRetryCount": 0},
    "AutoRemove": False, "VolumeDriver": "", "VolumesFrom": None, "ConsoleSize": [0, 0], "CapAdd": None,
    "CapDrop": None, "CgroupnsMode": "private", "Dns": None, "DnsOptions": None, "DnsSearch": None,
    "ExtraHosts": None, "GroupAdd": None, "IpcMode": "private", "Cgroup": "", "Links": None,
    "OomScoreAdj": 0, "PidMode": "", "Privileged": False, "PublishAllPorts": False,
    "ReadonlyRootfs": False, "SecurityOpt": None, "UTSMode": "", "UsernsMode": "", "ShmSize": 67108864,
    "Runtime": "", "Isolation": "", "CpuShares": 0, "Memory": 0, "NanoCpus": 0, "CgroupParent": "",
    "BlkioWeight": 0, "BlkioWeightDevice": None, "BlkioDeviceReadBps": None, "BlkioDeviceWriteBps": None,
    "BlkioDeviceReadIOps": None, "BlkioDeviceWriteIOps": None, "CpuPeriod": 0, "CpuQuota": 0,
    "CpuRealtimePeriod": 0, "CpuRealtimeRuntime": 0, "CpusetCpus": "", "CpusetMems": "", "Devices": None,
    "DeviceCgroupRules": None, "DeviceRequests": None, "MemoryReservation": 0, "MemorySwap": 0,
    "MemorySwappiness": None, "OomKillDisable": False, "PidsLimit": None, "Ulimits": None, "CpuCount": 0,
    "CpuPercent": 0, "IOMaximumIOps": 0, "IOMaximumBandwidth": 0, "Mounts": None, "Tmpfs": None,
    "Init": None, "MaskedPaths": None, "ReadonlyPaths": None, "Sysctls": None,
}

_CONFIG_KEYS = (
    "Hostname", "Domainname", "User", "AttachStdin", "AttachStdout", "AttachStderr", "ExposedPorts",
    "Tty", "OpenStdin", "StdinOnce", "Env", "Cmd", "Healthcheck", "ArgsEscaped", "Image", "Volumes",
    "WorkingDir", "Entrypoint", "NetworkDisabled", "MacAddress", "OnBuild", "Labels", "StopSignal",
    "StopTimeout", "Shell",
)


def split_create_body(body: dict) -> tuple[dict, dict, dict]:
    """(container config, host config with defaults, networking config) from a create body."""
    config = {k: copy.deepcopy(body.get(k)) for k in _CONFIG_KEYS if k in body}
    host_config = {**copy.deepcopy(HOST_CONFIG_DEFAULTS), **(body.get("HostConfig") or {})}
    # Unknown-but-valid host config fields stay, as clients send newer fields than they negotiated.
    policy = host_config.get("RestartPolicy") or {}
    if policy.get("Name", "") not in _RESTART_POLICIES:
        raise InvalidArgument(f"invalid restart policy '{policy.get('Name')}'")
    if policy.get("Name") in ("always", "unless-stopped") and host_config.get("AutoRemove"):
        raise InvalidArgument("can't create 'AutoRemove' container with restart policy")
    host_config["RestartPolicy"] = {"Name": policy.get("Name") or "no",
                                    "MaximumRetryCount": int(policy.get("MaximumRetryCount") or 0)}
    _default_memory_swap(host_config)
    networking = body.get("NetworkingConfig") or {}
    return config, host_config, networking


def _default_memory_swap(host_config: dict) -> None:
    """dockerd (adaptContainerSettings): a memory limit without a swap limit allows as much swap
    again, and inspect shows that total (`-m 20m` -> MemorySwap 41943040)."""
    memory = host_config.get("Memory")
    if isinstance(memory, int) and memory > 0 and not host_config.get("MemorySwap"):
        host_config["MemorySwap"] = memory * 2


def merge_image_config(config: dict, image_config: dict) -> dict:
    """Docker's merge of the image's config under the user's (daemon/create.go `merge`)."""
    merged = dict(config)
    for key in ("Entrypoint", "Cmd"):  # a JSON string is a one-element list (Go's StrSlice)
        if isinstance(config.get(key), str):
            config = {**config, key: [config[key]]}
            merged[key] = config[key]
    image_env = image_config.get("Env") or []
    user_env = config.get("Env") or []
    user_keys = {e.split("=", 1)[0] for e in user_env}
    merged["Env"] = [e for e in image_env if e.split("=", 1)[0] not in user_keys] + list(user_env) \
        if user_env else image_config.get("Env")
    if not config.get("Entrypoint"):
        if not config.get("Cmd"):
            merged["Cmd"] = image_config.get("Cmd")
        if config.get("Entrypoint") is None:
            merged["Entrypoint"] = image_config.get("Entrypoint")
    elif config["Entrypoint"] == [""]:  # `--entrypoint ""`: none, not the image's
        merged["Entrypoint"] = None
    for key in ("WorkingDir", "User", "StopSignal", "Healthcheck", "OnBuild", "Shell"):
        if not merged.get(key) and image_config.get(key):
            merged[key] = image_config[key]
    for key in ("ExposedPorts", "Volumes", "Labels"):
        combined = {**(image_config.get(key) or {}), **(config.get(key) or {})}
        merged[key] = combined or ({} if key == "Labels" else None)
    for key, default in (("Hostname", ""), ("Domainname", ""), ("User", ""), ("WorkingDir", ""),
                         ("AttachStdin", False), ("AttachStdout", False), ("AttachStderr", False),
                         ("Tty", False), ("OpenStdin", False), ("StdinOnce", False), ("OnBuild", None),
                         ("Cmd", None), ("Entrypoint", None)):
        merged.setdefault(key, default)
        if merged[key] is None and default is not None:
            merged[key] = default
    return merged


def with_default_hostname(config: dict, host_config: dict, container_id: str) -> dict:
    """dockerd names a container's host by its short ID unless it shares the host's or another
    container's network stack (then the hostname comes from there at start)."""
    mode = host_config.get("NetworkMode") or ""
    if not config.get("Hostname") and mode != "host" and not mode.startswith("container:"):
        config["Hostname"] = container_id[:12]
    return config


def command_line(config: dict) -> tuple[str, list[str]]:
    """(Path, Args) of the container's process: entrypoint then cmd."""
    argv = list(config.get("Entrypoint") or []) + list(config.get("Cmd") or [])
    if not argv:
        raise InvalidArgument("no command specified")
    return argv[0], argv[1:]
