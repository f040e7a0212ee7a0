"""`dockyard system df [-v]`: space used by images, containers, local volumes and the build cache."""

from __future__ import annotations

import sys
import time

from dockyard.cli.commands.ps import go_quote, image_name
from dockyard.cli.table import align, format_items
from dockyard.wire.humanize import human_since, human_size

SUMMARY = "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}"
SUMMARY_HEADERS = {"Type": "TYPE", "TotalCount": "TOTAL", "Active": "ACTIVE", "Size": "SIZE",
                   "Reclaimable": "RECLAIMABLE"}


def register(sub) -> None:
    system = sub.add_parser("system", help="Manage dockyard").add_subparsers(dest="system_command", required=True)
    df = system.add_parser("df", help="Show dockyard disk usage")
    df.add_argument("-v", "--verbose", action="store_true")
    df.add_argument("--format")
    df.set_defaults(run=run_df)


def run_df(client, args) -> int:
    usage = client.disk_usage()
    if args.verbose:
        sys.stdout.write(verbose_text(usage, time.time()))
        return 0
    sys.stdout.write(format_items(summary_rows(usage), args.format, SUMMARY, SUMMARY_HEADERS))
    return 0


def _size(size: float) -> str:
    return human_size(size, 4)  # `system df` totals: 4 significant digits


def _reclaimable(reclaimable: int, total: int) -> str:
    text = _size(reclaimable)
    return f"{text} ({reclaimable * 100 // total}%)" if total > 0 else text


def summary_rows(usage: dict) -> list[dict]:
    """The four lines of `docker system df` (pure)."""
    images = usage.get("Images") or []
    layers = usage.get("LayersSize") or 0
    used = sum(i["Size"] - max(i.get("SharedSize", 0), 0) for i in images if i.get("Containers", 0) > 0
               and i.get("Size", -1) != -1 and i.get("SharedSize", 0) != -1)
    containers = usage.get("Containers") or []
    active = [c for c in containers if c.get("State") in ("running", "paused", "restarting")]
    container_size = sum(c.get("SizeRw") or 0 for c in containers)
    idle_size = sum(c.get("SizeRw") or 0 for c in containers if c not in active)
    volumes = usage.get("Volumes") or []
    volume_sizes = [(v.get("UsageData") or {}) for v in volumes]
    volume_size = sum(u.get("Size", 0) for u in volume_sizes if u.get("Size", -1) >= 0)
    unused = sum(u.get("Size", 0) for u in volume_sizes if u.get("RefCount", 0) == 0 and u.get("Size", -1) >= 0)
    cache = usage.get("BuildCache") or []
    cache_size = sum(c.get("Size", 0) for c in cache)
    return [
        {"Type": "Images", "TotalCount": str(len(images)),
         "Active": str(sum(1 for i in images if i.get("Containers", 0) > 0)),
         "Size": _size(layers), "Reclaimable": _reclaimable(layers - used, layers)},
        {"Type": "Containers", "TotalCount": str(len(containers)), "Active": str(len(active)),
         "Size": _size(container_size), "Reclaimable": _reclaimable(idle_size, container_size)},
        {"Type": "Local Volumes", "TotalCount": str(len(volumes)),
         "Active": str(sum(1 for u in volume_sizes if u.get("RefCount", 0) > 0)),
         "Size": _size(volume_size), "Reclaimable": _reclaimable(unused, volume_size)},
        {"Type": "Build Cache", "TotalCount": str(len(cache)),
         "Active": str(sum(1 for c in cache if c.get("InUse"))), "Size": _size(cache_size),
         "Reclaimable": _size(sum(c.get("Size", 0) for c in cache if not c.get("InUse")))},
    ]


def verbose_text(usage: dict, now: float) -> str:
    """`docker system df -v`: one table per kind (pure)."""
    images = [["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE", "SHARED SIZE", "UNIQUE SIZE", "CONTAINERS"]]
    for image in usage.get("Images") or []:
        shared = image.get("SharedSize", -1)
        shared_text = "N/A" if shared < 0 else human_size(shared)
        unique_text = "N/A" if shared < 0 else human_size(image["Size"] - shared)
        for tag in image.get("RepoTags") or ["<none>:<none>"]:
            repo, _, name = tag.rpartition(":")
            images.append([repo, name, image["Id"].split(":")[-1][:12], human_since(image["Created"], now),
                           human_size(image["Size"]), shared_text, unique_text,
                           str(image.get("Containers", 0))])
    containers = [["CONTAINER ID", "IMAGE", "COMMAND", "LOCAL VOLUMES", "SIZE", "CREATED", "STATUS", "NAMES"]]
    for c in usage.get("Containers") or []:
        command = c.get("Command") or ""
        command = command[:19] + "…" if len(command) > 20 else command
        local = sum(1 for m in c.get("Mounts") or [] if m.get("Driver") == "local")
        containers.append([c["Id"][:12], image_name(c.get("Image", ""), True), go_quote(command), str(local),
                           human_size(c.get("SizeRw") or 0), human_since(c.get("Created", 0), now),
                           c.get("Status", ""), ",".join(n.lstrip("/") for n in c.get("Names") or [])])
    volumes = [["VOLUME NAME", "LINKS", "SIZE"]]
    for v in usage.get("Volumes") or []:
        data = v.get("UsageData") or {}
        volumes.append([v["Name"], str(data.get("RefCount", 0)),
                        "N/A" if data.get("Size", -1) < 0 else human_size(data["Size"])])
    cache_size = sum(c.get("Size", 0) for c in usage.get("BuildCache") or [])
    return (f"Images space usage:\n\n{align(images)}\nContainers space usage:\n\n{align(containers)}\n"
            f"Local Volumes space usage:\n\n{align(volumes)}\nBuild cache usage: {human_size(cache_size)}\n\n"
            + align([["CACHE ID", "CACHE TYPE", "SIZE", "CREATED", "LAST USED", "USAGE", "SHARED"]]))
