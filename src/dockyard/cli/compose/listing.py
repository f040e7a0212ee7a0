"""What `compose ps`, `ls`, `images` and `top` print, in compose v2's layouts: its tables (Go's
tabwriter), `--format json` (Go's encoding/json, fields in its order) and templates (pure)."""

from __future__ import annotations

import time

from dockyard.cli.commands.ps import displayable_ports, go_quote
from dockyard.cli.table import align
from dockyard.compose import labels as L
from dockyard.wire import gojson
from dockyard.wire.humanize import human_since, human_size

PS_HEADERS = {"ID": "CONTAINER ID", "Name": "NAME", "Names": "NAMES", "Project": "PROJECT", "Service": "SERVICE",
              "Image": "IMAGE", "Command": "COMMAND", "CreatedAt": "CREATED AT", "RunningFor": "CREATED",
              "Ports": "PORTS", "State": "STATE", "Status": "STATUS", "Size": "SIZE", "Labels": "LABELS",
              "Mounts": "MOUNTS", "LocalVolumes": "LOCAL VOLUMES", "Networks": "NETWORKS", "Health": "HEALTH",
              "ExitCode": "EXIT CODE", "Publishers": "PUBLISHERS"}
PS_TABLE = "table {{.Name}}\t{{.Image}}\t{{.Command}}\t{{.Service}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}"


def ps_fields(summary: dict, state: dict, trunc: bool = True, now: float | None = None) -> dict:
    """compose v2's ContainerContext for one container, from its `GET /containers/json` summary
    and its inspected State (health while running, exit code once exited)."""
    now = time.time() if now is None else now
    labels = summary.get("Labels") or {}
    command = summary.get("Command") or ""
    if trunc and len(command) > 20:
        command = command[:19] + "…"
    mounts = [m.get("Name") or m.get("Source", "") for m in summary.get("Mounts") or []]
    if trunc:
        mounts = [m if len(m) <= 15 else m[:14] + "…" for m in mounts]
    status = state.get("Status", summary.get("State", ""))
    health = (state.get("Health") or {}).get("Status", "") if status == "running" else ""
    ports = sorted(summary.get("Ports") or [], key=lambda p: p.get("PrivatePort", 0))
    created = summary.get("Created", 0)
    names = [n.lstrip("/") for n in summary.get("Names") or []]
    return {
        "Command": go_quote(command),
        "CreatedAt": time.strftime("%Y-%m-%d %H:%M:%S +0000 UTC", time.gmtime(created)),
        "Engine": labels.get("com.docker.compose.engine", ""),
        "ExitCode": state.get("ExitCode", 0) if status in ("exited", "dead") else 0,
        "Health": health,
        "ID": summary["Id"][:12] if trunc else summary["Id"],
        "Image": summary.get("Image", ""),
        "Labels": ",".join(f"{k}={v}" for k, v in labels.items()),
        "LocalVolumes": str(sum(1 for m in summary.get("Mounts") or [] if m.get("Driver") == "local")),
        "Mounts": ",".join(mounts),
        "Name": names[0] if names else "",
        "Names": ",".join(names),
        "Networks": ",".join((summary.get("NetworkSettings") or {}).get("Networks") or {}),
        "Ports": displayable_ports(ports),
        "Project": labels.get(L.PROJECT, ""),
        "Publishers": [{"URL": p.get("IP", ""), "TargetPort": p.get("PrivatePort", 0),
                        "PublishedPort": p.get("PublicPort", 0), "Protocol": p.get("Type", "")} for p in ports],
        "RunningFor": human_since(created, now),
        "Service": labels.get(L.SERVICE, ""),
        "Size": human_size(summary.get("SizeRw") or 0),
        "State": summary.get("State", ""),
        "Status": summary.get("Status", ""),
    }


def ps_json(fields: dict) -> str:
    """One line of `ps --format json`: Go marshals the context's methods, keys sorted, HTML escaped."""
    return gojson.dumps(dict(sorted(fields.items()))) + "\n"


def stacks(summaries: list[dict]) -> list[dict]:
    """`compose ls`: one entry per project, sorted by name; status like `exited(1), running(2)`."""
    projects: dict[str, list[dict]] = {}
    for summary in summaries:
        projects.setdefault((summary.get("Labels") or {}).get(L.PROJECT, ""), []).append(summary)
    out = []
    for name in sorted(projects):
        states: dict[str, int] = {}
        files: list[str] = []
        for summary in projects[name]:
            states[summary.get("State", "")] = states.get(summary.get("State", ""), 0) + 1
            for f in (summary.get("Labels") or {}).get(L.CONFIG_FILES, "").split(","):
                if f not in files:
                    files.append(f)
        status = ", ".join(f"{s}({n})" for s, n in sorted(states.items()))
        out.append({"Name": name, "Status": status, "ConfigFiles": ",".join(files)})
    return out


def pretty(headers: list[str], rows: list[list[str]]) -> str:
    """compose v2's PrintPrettySection: tabwriter with minwidth 20, padding 3."""
    return align([headers, *rows], min_width=20, pad=3)


def top_table(containers: list[tuple[str, str, dict]]) -> str:
    """`compose top`: (service, replica, `GET /containers/{id}/top` body) of each container,
    SERVICE and # first, CMD last, tabwriter minwidth 4 padding 2; nothing when no process."""
    header = ["SERVICE", "#"]
    entries = []
    for service, replica, top in containers:
        titles = top.get("Titles") or []
        for title in titles:
            if title not in header:
                header.append(title)
        for process in top.get("Processes") or []:
            entries.append({"SERVICE": service, "#": replica, **dict(zip(titles, process))})
    if not entries:
        return ""
    if "CMD" in header:
        header.remove("CMD")
        header.append("CMD")
    rows = [[entry.get(title, "-") for title in header] for entry in entries]
    return align([header, *rows], min_width=4, pad=2)
