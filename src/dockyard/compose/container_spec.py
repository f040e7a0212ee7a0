"""A service → the create body of its containers, and the config hash that says when a
container must be recreated (pure)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from dockyard.compose import file_refs, labels as L
from dockyard.compose.host_spec import host_settings
from dockyard.compose.model.types import Project, Service

_RESTART = {"no": "no", "always": "always", "unless-stopped": "unless-stopped", "on-failure": "on-failure"}


def container_name(project: Project, service: Service, number: int) -> str:
    return service.container_name or f"{project.name}-{service.name}-{number}"


def service_body(project: Project, service: Service, number: int = 0, oneoff: bool = False) -> dict:
    """Everything but the per-container labels; the config hash is taken over this with number 0
    (only the links differ between a service's containers)."""
    config: dict[str, Any] = {
        "Image": service.image, "Env": [f"{k}={v}" for k, v in service.environment.items()],
        "Labels": {**service.labels, L.PROJECT: project.name, L.SERVICE: service.name,
                   L.WORKING_DIR: project.working_dir, L.CONFIG_FILES: ",".join(project.config_files),
                   L.VERSION: L.COMPOSE_VERSION},
        "Tty": service.tty, "OpenStdin": service.stdin_open, "AttachStdin": False,
        "AttachStdout": False, "AttachStderr": False,
    }
    optional = {"Cmd": service.command, "Entrypoint": service.entrypoint, "User": service.user,
                "WorkingDir": service.working_dir, "Hostname": service.hostname, "Domainname": service.domainname,
                "StopSignal": service.stop_signal,
                "StopTimeout": service.stop_grace_period, "ExposedPorts": _exposed(service),
                "Healthcheck": _healthcheck(service)}
    config.update({k: v for k, v in optional.items() if v not in (None, "", {}, [])})
    config["Labels"][L.DEPENDS_ON] = ",".join(
        f"{d.service}:{d.condition}:{str(d.restart).lower()}" for d in service.depends_on)
    links = _links(project, service, number, oneoff)
    return {**config, "HostConfig": _host_config(project, service, links),
            "NetworkingConfig": _networking(project, service, links, number)}


def config_hash(body: dict) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def container_body(project: Project, service: Service, number: int, oneoff: bool = False,
                   inherited: tuple[tuple[str, str], ...] = ()) -> dict:
    """The create body of one container: the service's body, its hash and its number.

    `inherited` (destination, volume) are the volume mounts of the container this one replaces:
    the anonymous ones (the service's `- /path` volumes, the image's VOLUMEs) carry over, so a
    recreate keeps their data, as compose does."""
    base = service_body(project, service)
    hashed = {**base, "Labels": {k: v for k, v in base["Labels"].items() if k != L.CONFIG_FILES}}
    if service.platform:
        hashed["platform"] = service.platform
    body = service_body(project, service, number, oneoff)
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
    ports: dict[str, dict] = {f"{p.target}/{p.protocol}": {} for p in service.ports}
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


def _host_config(project: Project, service: Service, links: list[str]) -> dict:
    host = {"NetworkMode": _network_mode(project, service), "Binds": [], "Mounts": [],
            "PortBindings": _port_bindings(service), "RestartPolicy": _restart(service.restart),
            "Privileged": service.privileged, "Init": service.init or None, "ReadonlyRootfs": service.read_only,
            "CapAdd": service.cap_add or None, "CapDrop": service.cap_drop or None,
            "ExtraHosts": service.extra_hosts or None, "Dns": service.dns or None,
            "Sysctls": service.sysctls or None,
            "Tmpfs": {t.partition(":")[0]: t.partition(":")[2] for t in service.tmpfs} or None,
            "PidMode": _namespace(project, service.pid) or None, "IpcMode": _namespace(project, service.ipc) or None,
            "VolumesFrom": [_volumes_from(project, v) for v in service.volumes_from] or None,
            "Links": links or None, **host_settings(service)}
    for mount in service.volumes:
        if mount.type == "bind":
            host["Binds"].append(f"{mount.source}:{mount.target}" + (":ro" if mount.read_only else ""))
        else:
            entry = {"Type": mount.type, "Target": mount.target, "ReadOnly": mount.read_only}
            if mount.type == "volume" and mount.source:
                entry["Source"] = project.volumes[mount.source].name
            host["Mounts"].append(entry)
    host["Mounts"] += file_refs.bind_mounts(project, service, {m.target for m in service.volumes})
    return {k: v for k, v in host.items() if v is not None}


def _network_mode(project: Project, service: Service) -> str:
    if service.network_mode:
        return _namespace(project, service.network_mode)
    first = next(iter(service.networks))
    return project.networks[first].name


def _namespace(project: Project, mode: str) -> str:
    """`service:<name>` (network_mode, pid, ipc) joins that service's first container."""
    kind, _, target = mode.partition(":")
    return f"container:{first_container(project, target)}" if kind == "service" else mode


def first_container(project: Project, service_name: str) -> str:
    service = project.services.get(service_name) or project.disabled.get(service_name)
    return container_name(project, service, 1) if service else f"{project.name}-{service_name}-1"


def _volumes_from(project: Project, entry: str) -> str:
    """`service[:ro|rw]` → that service's first container; `container:name[:ro|rw]` → the name.
    (compose v2 drops the access mode here; the daemon's --volumes-from keeps it, and so do we.)"""
    if entry.startswith("container:"):
        return entry.partition(":")[2]
    name, sep, mode = entry.partition(":")
    return first_container(project, name) + sep + mode


def _links(project: Project, service: Service, number: int, oneoff: bool) -> list[str]:
    """compose v2's getLinks (after v1): each container of a linked service under the link's
    name, `<service>-<number>` and `<project>-<service>-<number>`; a one-off links to its own
    service's containers; external links as written."""
    links = []
    for raw in service.links:
        target, _, alias = raw.partition(":")
        for other in _containers_of(project, target):
            links += [f"{other}:{alias or target}", f"{other}:{target}-{number}",
                      f"{other}:{project.name}-{target}-{number}"]
    if oneoff:
        for own in _containers_of(project, service.name):
            links += [f"{own}:{service.name}", f"{own}:{own.removeprefix(project.name + '-')}", f"{own}:{own}"]
    for raw in service.external_links:
        target, _, alias = raw.partition(":")
        links.append(f"{target}:{alias or target}")
    return links


def _containers_of(project: Project, service_name: str) -> list[str]:
    service = project.services.get(service_name)
    if service is None:
        return []
    return [container_name(project, service, n) for n in range(1, max(service.scale, 1) + 1)]


def _networking(project: Project, service: Service, links: list[str], number: int) -> dict:
    """Every network of the service, aliased by the container's name (not in the hash's body,
    number 0), the service's name and its own aliases."""
    endpoints = {}
    primary = _network_mode(project, service) if service.networks else ""
    for key, attachment in service.networks.items():
        own = [container_name(project, service, number)] if number else []
        endpoint: dict = {"Aliases": [*own, service.name, *attachment.aliases]}
        if attachment.ipv4_address:
            endpoint["IPAMConfig"] = {"IPv4Address": attachment.ipv4_address}
        if links:
            endpoint["Links"] = links
        name = project.networks[key].name
        if service.mac_address and name == primary:  # API 1.44+: the main endpoint's, not Config's
            endpoint["MacAddress"] = service.mac_address
        endpoints[name] = endpoint
    return {"EndpointsConfig": endpoints}


def _port_bindings(service: Service) -> dict:
    bindings: dict[str, list] = {}
    for port in service.ports:
        bindings.setdefault(f"{port.target}/{port.protocol}", []).append(
            {"HostIp": port.host_ip, "HostPort": port.published})
    return bindings


def _restart(policy: str) -> dict:
    name, _, count = (policy or "no").partition(":")
    body: dict[str, str | int] = {"Name": _RESTART.get(name, name)}
    if count:
        body["MaximumRetryCount"] = int(count)
    return body
