"""`dockyard volume create|ls|inspect|rm|prune`."""

from __future__ import annotations

import sys

from dockyard.cli import prune as pruning
from dockyard.cli.commands.ps import parse_filters
from dockyard.cli.each import for_each, inspect_each
from dockyard.cli.table import format_items
from dockyard.client import Client
from dockyard.client import volumes as api

from dockyard.wire.humanize import human_size

TABLE = "table {{.Driver}}\t{{.Name}}"
HEADERS = {"Driver": "DRIVER", "Name": "VOLUME NAME", "Mountpoint": "MOUNTPOINT", "Scope": "SCOPE",
           "Labels": "LABELS", "CreatedAt": "CREATED AT", "Size": "SIZE", "Links": "LINKS"}


def register(sub) -> None:
    volume = sub.add_parser("volume", help="Manage volumes").add_subparsers(dest="volume_command", required=True)
    create = volume.add_parser("create", help="Create a volume")
    create.add_argument("-d", "--driver", default="local")
    create.add_argument("-o", "--opt", action="append", default=[])
    create.add_argument("--label", action="append", default=[])
    create.add_argument("name", nargs="?")
    create.set_defaults(run=run_create)
    for name in ("ls", "list"):
        ls = volume.add_parser(name, help="List volumes")
        ls.add_argument("-q", "--quiet", action="store_true")
        ls.add_argument("-f", "--filter", action="append", default=[])
        ls.add_argument("--format")
        ls.set_defaults(run=run_ls)
    inspect = volume.add_parser("inspect", help="Display detailed information on one or more volumes")
    inspect.add_argument("-f", "--format")
    inspect.add_argument("names", nargs="+")
    inspect.set_defaults(run=run_inspect)
    for name in ("rm", "remove"):
        rm = volume.add_parser(name, help="Remove one or more volumes")
        rm.add_argument("-f", "--force", action="store_true")
        rm.add_argument("names", nargs="+")
        rm.set_defaults(run=run_rm)
    prune = volume.add_parser("prune", help="Remove unused local volumes")
    prune.add_argument("-a", "--all", action="store_true")
    prune.add_argument("-f", "--force", action="store_true")
    prune.add_argument("--filter", action="append", default=[])
    prune.set_defaults(run=run_prune)


def key_values(items: list[str]) -> dict[str, str]:
    return dict(item.partition("=")[::2] for item in items)


def run_create(client: Client, args) -> int:
    created = api.create(client, args.name, args.driver, key_values(args.opt) or None,
                         key_values(args.label) or None)
    print(created["Name"])
    return 0


def row(volume: dict) -> dict:
    labels = volume.get("Labels") or {}
    usage = volume.get("UsageData") or {}
    size = usage.get("Size", -1)
    return {**volume, "Labels": ",".join(f"{k}={v}" for k, v in sorted(labels.items())),
            "Size": "N/A" if size < 0 else human_size(size),
            "Links": "N/A" if usage.get("RefCount", -1) < 0 else str(usage["RefCount"])}


def run_ls(client: Client, args) -> int:
    found = sorted(api.list_volumes(client, parse_filters(args.filter)), key=lambda v: v["Name"])
    if args.quiet:
        sys.stdout.write("".join(v["Name"] + "\n" for v in found))
        return 0
    sys.stdout.write(format_items([row(v) for v in found], args.format, TABLE, HEADERS))
    return 0


def run_inspect(client: Client, args) -> int:
    return inspect_each(args.names, lambda name: api.inspect(client, name), args.format)


def run_rm(client: Client, args) -> int:
    return for_each(args.names, lambda name: api.remove(client, name, args.force))


def run_prune(client: Client, args) -> int:
    filters = parse_filters(args.filter)
    if args.all:
        filters["all"] = ["true"]
    what = "all local volumes" if args.all else "anonymous local volumes"
    if not args.force and not pruning.confirmed(f"This will remove {what} not used by at least one container."):
        return 0
    result = api.prune(client, filters)
    pruning.report("Volumes", result.get("VolumesDeleted") or [], result.get("SpaceReclaimed") or 0)
    return 0
