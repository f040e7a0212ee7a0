"""A service → the create body of its containers, and the config hash that says when a
container must be recreated (pure)."""

from __future__ import annotations

import hashlib
import json

from dockyard.compose import labels as L
from dockyard.compose.model.types import Project, Service

_RESTART = {"no": "no", "always": "always", "unless-stopped": "unless-stopped", "on-failure": "on-failure"}


def container_name(project: Project, service: Service, number: int) -> str:
    return service.container_name or f"{project.name}-{service.name}-{number}"


def service_body(project: Project, service: Service) -> dict:
    """Everything but the per-container labels; the config hash is taken over this."""
    config = {
        "Image": service.image, "Env": [f"{k}={v}" for k, v in service.environment.items()],
        "Labels": {**service.labels, L.PROJECT: project.name, L.SERVICE: service.name,
                   L.WORKING_DIR: project.working_dir, L.CONFIG_FILES: ",".join(project.config_files),
                   L.VERSION: L.COMPOSE_VERSION},
        "Tty": service.tty, "OpenStdin": service.stdin_open, "AttachStdin": False,
        "AttachStdout": False, "AttachStderr": False,
    }
    optional = {"Cmd": service.command, "Entrypoint": service.entrypoint, "User": service.user,
                "WorkingDir": service.working_dir, "Hostname": service.hostname, "StopSignal": service.stop_signal,
                "StopTimeout": service.stop_grace_period, "ExposedPorts": _exposed(service),
                "Healthcheck": _healthcheck(service)}
    config.update({k: v for k, v in optional.items() if v not in (None, "", {}, [])})
    if service.depends_on:
        config["Labels"][L.DEPENDS_ON] = ",".join(
            f"{d.service}:{d.condition}:{str(d.required).lower()}" for d in service.depends_on)
    return {**config, "HostConfig": _host_config(project, service), "NetworkingConfig": _networking(project, service)}


def config_hash(body: dict) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def container_body(project: Project, service: Service, number: int, oneoff: bool = False,
                   inherited: tuple[tuple[str, str], ...] = ()) -> dict:
    """The create body of one container: the service's body, its hash and its number.

    `inherited` (destination, volume) are the volume mounts of the container this one replaces:
    the anonymous ones (the service's `- /path` volumes, the image's VOLUMEs) carry over, so a
    recreate keeps their data, as compose does."""
    body = service_body(project, service)
    hashed = {**body, "Labels": {k: v for k, v in body["Labels"].items() if k != L.CONFIG_FILES}}
    body["Labels"] = {**body["Labels"], L.CONFIG_HASH: config_hash(hashed), L.NUMBER: str(number),
                      L.ONEOFF: "True" if oneoff else "False"}
    declared = {m.target for m in service.volumes if m.source or m.type == "tmpfs"}
    carried = [{"Type": "volume", "Source": name, "Target": target, "ReadOnly": False}
               for target, name in inherited if target not in declared]
    if carried:
        host = body["HostConfig"]
        kept = [m for m in host.get("Mounts", []) if m["Target"] not in {c["Target"] for c in carried}]
        body["HostConfig"] = {**host, "Mounts": kept + carried}
    return body


def _exposed(service: Service) -> dict:
    ports = {f"{p.target}/{p.protocol}": {} for p in service.ports}
    for entry in service.expose:
        port, _, proto = entry.partition("/")
        ports[f"{port}/{proto or 'tcp'}"] = {}
    return ports


def _healthcheck(service: Service) -> dict | None:
    if service.healthcheck_disabled:
        return {"Test": ["NONE"]}
    check = service.healthcheck
    if check is None:
        return None
    body = {"Test": check.test, "Interval": check.interval, "Timeout": check.timeout,
            "StartPeriod": check.start_period, "Retries": check.retries}
    return {k: v for k, v in body.items() if v}


def _host_config(project: Project, service: Service) -> dict:
    host = {"NetworkMode": _network_mode(project, service), "Binds": [], "Mounts": [],
            "PortBindings": _port_bindings(service), "RestartPolicy": _restart(service.restart),
            "Privileged": service.privileged, "Init": service.init or None, "ReadonlyRootfs": service.read_only,
            "CapAdd": service.cap_add or None, "CapDrop": service.cap_drop or None,
            "ExtraHosts": service.extra_hosts or None, "Dns": service.dns or None,
            "Sysctls": service.sysctls or None,
            "Tmpfs": {t.partition(":")[0]: t.partition(":")[2] for t in service.tmpfs} or None}
    for mount in service.volumes:
        if mount.type == "bind":
            host["Binds"].append(f"{mount.source}:{mount.target}" + (":ro" if mount.read_only else ""))
        else:
            entry = {"Type": mount.type, "Target": mount.target, "ReadOnly": mount.read_only}
            if mount.type == "volume" and mount.source:
                entry["Source"] = project.volumes[mount.source].name
            host["Mounts"].append(entry)
    return {k: v for k, v in host.items() if v is not None}


def _network_mode(project: Project, service: Service) -> str:
    if service.network_mode:
        kind, _, target = service.network_mode.partition(":")
        if kind == "service":  # service:<name> joins that service's first container
            return f"container:{project.name}-{target}-1"
        return service.network_mode
    first = next(iter(service.networks))
    return project.networks[first].name


def _networking(project: Project, service: Service) -> dict:
    endpoints = {}
    for key, attachment in service.networks.items():
        endpoint: dict = {"Aliases": [service.name, *attachment.aliases]}
        if attachment.ipv4_address:
            endpoint["IPAMConfig"] = {"IPv4Address": attachment.ipv4_address}
        endpoints[project.networks[key].name] = endpoint
    return {"EndpointsConfig": endpoints}


def _port_bindings(service: Service) -> dict:
    bindings: dict[str, list] = {}
    for port in service.ports:
        bindings.setdefault(f"{port.target}/{port.protocol}", []).append(
            {"HostIp": port.host_ip, "HostPort": port.published})
    return bindings


def _restart(policy: str) -> dict:
    name, _, count = (policy or "no").partition(":")
    body = {"Name": _RESTART.get(name, name)}
    if count:
        body["MaximumRetryCount"] = int(count)
    return body
