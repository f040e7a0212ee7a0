"""`dockyard network create|ls|inspect|rm|prune|connect|disconnect`."""

from __future__ import annotations

import sys

from dockyard.cli import prune as pruning
from dockyard.cli.commands.ps import parse_filters
from dockyard.cli.commands.volumes import key_values
from dockyard.cli.each import for_each, inspect_each
from dockyard.cli.table import format_items
from dockyard.client import Client
from dockyard.client import networks as api
from dockyard.errors import InvalidArgument, NotFound

TABLE = "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}"
HEADERS = {"ID": "NETWORK ID", "Name": "NAME", "Driver": "DRIVER", "Scope": "SCOPE", "IPv6": "IPV6",
           "Internal": "INTERNAL", "Labels": "LABELS", "CreatedAt": "CREATED AT"}


def register(sub) -> None:
    network = sub.add_parser("network", help="Manage networks").add_subparsers(dest="network_command",
                                                                              required=True)
    create = network.add_parser("create", help="Create a network")
    create.add_argument("-d", "--driver", default="bridge")
    for flag in ("--subnet", "--gateway", "--ip-range", "--label", "--aux-address"):
        create.add_argument(flag, action="append", default=[])
    create.add_argument("-o", "--opt", action="append", default=[])
    create.add_argument("--ipam-driver", default="default")
    create.add_argument("--ipam-opt", action="append", default=[])
    for flag in ("--internal", "--attachable", "--ipv6", "--ingress", "--config-only"):
        create.add_argument(flag, action="store_true")
    create.add_argument("--scope", default="")
    create.add_argument("name")
    create.set_defaults(run=run_create)
    for name in ("ls", "list"):
        ls = network.add_parser(name, help="List networks")
        ls.add_argument("-q", "--quiet", action="store_true")
        ls.add_argument("-f", "--filter", action="append", default=[])
        ls.add_argument("--format")
        ls.add_argument("--no-trunc", action="store_true")
        ls.set_defaults(run=run_ls)
    inspect = network.add_parser("inspect", help="Display detailed information on one or more networks")
    inspect.add_argument("-f", "--format")
    inspect.add_argument("-v", "--verbose", action="store_true")
    inspect.add_argument("names", nargs="+")
    inspect.set_defaults(run=run_inspect)
    for name in ("rm", "remove"):
        rm = network.add_parser(name, help="Remove one or more networks")
        rm.add_argument("-f", "--force", action="store_true")
        rm.add_argument("names", nargs="+")
        rm.set_defaults(run=run_rm)
    prune = network.add_parser("prune", help="Remove all unused networks")
    prune.add_argument("-f", "--force", action="store_true")
    prune.add_argument("--filter", action="append", default=[])
    prune.set_defaults(run=run_prune)
    connect = network.add_parser("connect", help="Connect a container to a network")
    connect.add_argument("--alias", action="append", default=[])
    connect.add_argument("--ip")
    connect.add_argument("--ip6")
    connect.add_argument("--link", action="append", default=[])
    connect.add_argument("--driver-opt", action="append", default=[])
    connect.add_argument("network")
    connect.add_argument("container")
    connect.set_defaults(run=run_connect)
    disconnect = network.add_parser("disconnect", help="Disconnect a container from a network")
    disconnect.add_argument("-f", "--force", action="store_true")
    disconnect.add_argument("network")
    disconnect.add_argument("container")
    disconnect.set_defaults(run=run_disconnect)


def create_body(args) -> dict:
    """The body the docker CLI sends for `network create` (pure)."""
    if len(args.gateway) > len(args.subnet) or len(args.ip_range) > len(args.subnet):
        raise InvalidArgument("every ip-range or gateway must have a corresponding subnet")
    pools = []
    for i, subnet in enumerate(args.subnet):
        pool = {"Subnet": subnet}
        if i < len(args.ip_range):
            pool["IPRange"] = args.ip_range[i]
        if i < len(args.gateway):
            pool["Gateway"] = args.gateway[i]
        if args.aux_address:
            pool["AuxiliaryAddresses"] = key_values(args.aux_address)
        pools.append(pool)
    return {"Name": args.name, "Driver": args.driver, "Scope": args.scope,
            "IPAM": {"Driver": args.ipam_driver, "Options": key_values(args.ipam_opt), "Config": pools},
            "Internal": args.internal, "Attachable": args.attachable, "Ingress": args.ingress,
            "ConfigOnly": args.config_only, "ConfigFrom": None, "EnableIPv6": args.ipv6,
            "Options": key_values(args.opt), "Labels": key_values(args.label)}


def run_create(client: Client, args) -> int:
    created = api.create(client, create_body(args))
    if created.get("Warning"):
        print(f"WARNING: {created['Warning']}", file=sys.stderr)
    print(created["Id"])
    return 0


def row(network: dict, trunc: bool) -> dict:
    labels = network.get("Labels") or {}
    return {**network, "ID": network["Id"][:12] if trunc else network["Id"],
            "IPv6": str(bool(network.get("EnableIPv6"))).lower(),
            "Internal": str(bool(network.get("Internal"))).lower(),
            "Labels": ",".join(f"{k}={v}" for k, v in sorted(labels.items())),
            "CreatedAt": network.get("Created", "")}


def run_ls(client: Client, args) -> int:
    found = sorted(api.list_networks(client, parse_filters(args.filter)), key=lambda n: n["Name"])
    trunc = not args.no_trunc
    if args.quiet:
        sys.stdout.write("".join((n["Id"][:12] if trunc else n["Id"]) + "\n" for n in found))
        return 0
    sys.stdout.write(format_items([row(n, trunc) for n in found], args.format, TABLE, HEADERS))
    return 0


def run_inspect(client: Client, args) -> int:
    return inspect_each(args.names, lambda name: api.inspect(client, name), args.format)


def run_rm(client: Client, args) -> int:
    def remove(name: str) -> None:
        try:
            api.remove(client, name)
        except NotFound:
            if not args.force:  # -f forgives a network that is already gone
                raise

    return for_each(args.names, remove)


def run_prune(client: Client, args) -> int:
    warning = "This will remove all custom networks not used by at least one container."
    if not args.force and not pruning.confirmed(warning):
        return 0
    pruning.report("Networks", api.prune(client, parse_filters(args.filter)).get("NetworksDeleted") or [])
    return 0


def run_connect(client: Client, args) -> int:
    endpoint: dict = {"Aliases": args.alias or None, "Links": args.link or None,
                      "DriverOpts": key_values(args.driver_opt) or None}
    if args.ip or args.ip6:
        endpoint["IPAMConfig"] = {k: v for k, v in (("IPv4Address", args.ip), ("IPv6Address", args.ip6)) if v}
    api.connect(client, args.network, args.container, endpoint)
    return 0


def run_disconnect(client: Client, args) -> int:
    api.disconnect(client, args.network, args.container, args.force)
    return 0
