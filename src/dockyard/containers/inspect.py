"""Container records rendered as `GET /containers/{id}/json` and `GET /containers/json` (pure)."""

from dockyard.containers.model import Container
from dockyard.containers.status_text import status_text
from dockyard.wire.times import format_rfc3339_nano


def inspect_body(c: Container, exec_ids: list[str], graph_driver: dict) -> dict:
    s = c.state
    state = {
        "Status": s.status, "Running": s.status in ("running", "paused", "restarting"),
        "Paused": s.status == "paused", "Restarting": s.status == "restarting",
        "OOMKilled": s.oom_killed, "Dead": s.status == "dead", "Pid": s.pid, "ExitCode": s.exit_code,
        "Error": s.error, "StartedAt": format_rfc3339_nano(s.started_at),
        "FinishedAt": format_rfc3339_nano(s.finished_at),
    }
    if s.health is not None:
        state["Health"] = s.health
    return {
        "Id": c.id, "Created": format_rfc3339_nano(c.created), "Path": c.path, "Args": c.args,
        "State": state, "Image": c.image_id, "ResolvConfPath": c.resolv_conf_path,
        "HostnamePath": c.hostname_path, "HostsPath": c.hosts_path, "LogPath": c.log_path,
        "Name": "/" + c.name, "RestartCount": c.restart_count, "Driver": graph_driver.get("Name", "overlay2"),
        "Platform": "linux", "MountLabel": "", "ProcessLabel": "", "AppArmorProfile": "",
        "ExecIDs": exec_ids or None, "HostConfig": omit_empty(c.host_config, _HOST_CONFIG_OMITEMPTY),
        "GraphDriver": graph_driver, "Mounts": c.mounts, "Config": config_body(c.config),
        "NetworkSettings": network_settings(c),
    }


# Keys dockerd's Go types tag `omitempty`: left out when empty ("nil": pointers, only when nil).
_HOST_CONFIG_OMITEMPTY = {"Mounts": "empty", "Init": "nil", "Sysctls": "empty", "Tmpfs": "empty",
                          "StorageOpt": "empty", "Runtime": "empty", "Annotations": "empty"}
_CONFIG_OMITEMPTY = {"ExposedPorts": "empty", "Healthcheck": "nil", "ArgsEscaped": "empty", "NetworkDisabled": "empty",
                     "MacAddress": "empty", "StopSignal": "empty", "StopTimeout": "nil", "Shell": "empty"}
_HEALTHCHECK_KEYS = ("Test", "Interval", "Timeout", "StartPeriod", "StartInterval", "Retries")  # all omitempty


def config_body(config: dict) -> dict:
    body = omit_empty(config, _CONFIG_OMITEMPTY)
    if isinstance(body.get("Healthcheck"), dict):
        body["Healthcheck"] = {k: body["Healthcheck"][k] for k in _HEALTHCHECK_KEYS if body["Healthcheck"].get(k)}
    return body


def omit_empty(fields: dict, omitempty: dict[str, str]) -> dict:
    return {k: v for k, v in fields.items()
            if k not in omitempty or (v is not None if omitempty[k] == "nil" else bool(v))}


def network_settings(c: Container) -> dict:
    settings = c.network_settings or {}
    networks = settings.get("Networks") or configured_networks(c)
    primary: dict = next(iter(networks.values()), {})
    return {
        "Bridge": "", "SandboxID": settings.get("SandboxID", ""), "SandboxKey": settings.get("SandboxKey", ""),
        "HairpinMode": False, "LinkLocalIPv6Address": "", "LinkLocalIPv6PrefixLen": 0,
        "Ports": settings.get("Ports") or {}, "SecondaryIPAddresses": None, "SecondaryIPv6Addresses": None,
        "EndpointID": primary.get("EndpointID", ""), "Gateway": primary.get("Gateway", ""),
        "GlobalIPv6Address": "", "GlobalIPv6PrefixLen": 0, "IPAddress": primary.get("IPAddress", ""),
        "IPPrefixLen": primary.get("IPPrefixLen", 0), "IPv6Gateway": "", "MacAddress": primary.get("MacAddress", ""),
        "Networks": networks,
    }


def configured_networks(c: Container) -> dict:
    """A container never started shows the endpoints it was created with (as dockerd does)."""
    if c.state.running or c.state.started_at:
        return {}
    mode = (c.host_config or {}).get("NetworkMode") or "default"
    if mode in ("none", "host") or mode.startswith("container:"):
        return {}
    endpoints = dict((c.networking_config or {}).get("EndpointsConfig") or {})
    endpoints.setdefault("bridge" if mode == "default" else mode, {})
    return {name: {**_BLANK_ENDPOINT, "IPAMConfig": (cfg or {}).get("IPAMConfig"), "Links": (cfg or {}).get("Links"),
                   "Aliases": (cfg or {}).get("Aliases")} for name, cfg in endpoints.items()}


_BLANK_ENDPOINT = {"IPAMConfig": None, "Links": None, "Aliases": None, "MacAddress": "", "DriverOpts": None,
                   "NetworkID": "", "EndpointID": "", "Gateway": "", "IPAddress": "", "IPPrefixLen": 0,
                   "IPv6Gateway": "", "GlobalIPv6Address": "", "GlobalIPv6PrefixLen": 0, "DNSNames": None}


def summary_body(c: Container, now_ns: int, sizes: tuple[int, int] | None = None) -> dict:
    """One entry of `docker ps`."""
    body = {
        "Id": c.id, "Names": ["/" + c.name], "Image": c.config.get("Image", ""), "ImageID": c.image_id,
        "Command": " ".join([c.path, *c.args]).strip(), "Created": c.created // 1_000_000_000,
        "Ports": port_list(c.network_settings.get("Ports") or {}), "Labels": c.config.get("Labels") or {},
        "State": c.state.status, "Status": status_text(c.state, now_ns),
        "HostConfig": {"NetworkMode": c.host_config.get("NetworkMode", "default")},
        "NetworkSettings": {"Networks": (c.network_settings or {}).get("Networks") or {}},
        "Mounts": c.mounts,
    }
    if sizes is not None:
        body["SizeRw"], body["SizeRootFs"] = sizes
    return body


def port_list(ports: dict) -> list[dict]:
    """`{"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}]}` → ps's Ports entries."""
    entries = []
    for key, bindings in sorted(ports.items()):
        port, _, proto = key.partition("/")
        if not bindings:
            entries.append({"PrivatePort": int(port), "Type": proto or "tcp"})
            continue
        for binding in bindings:
            entries.append({"IP": binding.get("HostIp") or "0.0.0.0", "PrivatePort": int(port),
                            "PublicPort": int(binding.get("HostPort") or 0), "Type": proto or "tcp"})
    return entries


def stopped_network_settings(settings: dict) -> dict:
    """What a stopped container keeps: its networks by name, without addresses or ports."""
    blank = {"IPAddress": "", "IPPrefixLen": 0, "Gateway": "", "MacAddress": "", "EndpointID": ""}
    networks = {name: {**endpoint, **blank} for name, endpoint in (settings.get("Networks") or {}).items()}
    return {"Networks": networks, "Ports": {}, "SandboxKey": ""}
