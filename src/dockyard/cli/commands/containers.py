"""`dockyard container …` and the top-level container commands: stop, restart, kill, pause, unpause,
rm, rename, wait, update, inspect, prune (run/exec/ps/logs/cp live in their own modules)."""

from __future__ import annotations

import sys
from typing import Callable

from dockyard.cli import prune as pruning
from dockyard.cli.commands import container_files, exec as exec_, observe, ps, run
from dockyard.cli.commands.create_body import nano_cpus, restart_policy
from dockyard.wire.humanize import ram_in_bytes
from dockyard.cli.each import for_each, print_objects
from dockyard.client import Client
from dockyard.client import containers as api
from dockyard.client import images as images_api
from dockyard.client import networks as networks_api
from dockyard.client import volumes as volumes_api
from dockyard.errors import InvalidArgument, NotFound


def register(sub) -> None:
    container = sub.add_parser("container", help="Manage containers").add_subparsers(
        dest="container_command", required=True)
    for module in (run, exec_, ps, observe, container_files):
        module.register(sub, container)
    for parent in (sub, container):
        _simple(parent, "stop", "Stop one or more running containers", _stop, timeout=True)
        _simple(parent, "restart", "Restart one or more containers", _restart, timeout=True)
        kill = _simple(parent, "kill", "Kill one or more running containers", _kill)
        kill.add_argument("-s", "--signal")
        _simple(parent, "pause", "Pause all processes within one or more containers", _pause)
        _simple(parent, "unpause", "Unpause all processes within one or more containers", _unpause)
        wait = parent.add_parser("wait", help="Block until containers stop, then print their exit codes")
        wait.add_argument("containers", nargs="+")
        wait.set_defaults(run=run_wait)
        rename = parent.add_parser("rename", help="Rename a container")
        rename.add_argument("container")
        rename.add_argument("new_name")
        rename.set_defaults(run=run_rename)
        update = parent.add_parser("update", help="Update configuration of one or more containers")
        for flag in ("--memory", "--memory-swap", "--memory-reservation", "--cpus", "--cpuset-cpus",
                     "--cpuset-mems", "--restart"):
            update.add_argument(flag, *(["-m"] if flag == "--memory" else []))
        for flag in ("--cpu-shares", "--cpu-period", "--cpu-quota", "--pids-limit", "--blkio-weight"):
            update.add_argument(flag, *(["-c"] if flag == "--cpu-shares" else []), type=int)
        update.add_argument("containers", nargs="+")
        update.set_defaults(run=run_update)
    rm_parsers = [sub.add_parser("rm", help="Remove one or more containers"),
                  container.add_parser("rm", help="Remove one or more containers")]
    for rm in rm_parsers:
        rm.add_argument("-f", "--force", action="store_true")
        rm.add_argument("-v", "--volumes", action="store_true")
        rm.add_argument("-l", "--link", action="store_true")
        rm.add_argument("containers", nargs="+")
        rm.set_defaults(run=run_rm)
    inspect = container.add_parser("inspect", help="Display detailed information on one or more containers")
    inspect.set_defaults(run=run_inspect, type="container")
    generic = sub.add_parser("inspect", help="Return low-level information on Docker objects")
    generic.add_argument("--type", choices=("container", "image", "network", "volume"))
    generic.set_defaults(run=run_inspect)
    for p in (inspect, generic):
        p.add_argument("-f", "--format")
        p.add_argument("-s", "--size", action="store_true")
        p.add_argument("names", nargs="+")
    prune = container.add_parser("prune", help="Remove all stopped containers")
    prune.add_argument("-f", "--force", action="store_true")
    prune.add_argument("--filter", action="append", default=[])
    prune.set_defaults(run=run_prune)


def _simple(parent, name: str, help_: str, action: Callable, timeout: bool = False):
    p = parent.add_parser(name, help=help_)
    if timeout:
        p.add_argument("-t", "--time", "--timeout", type=int, dest="timeout")
        p.add_argument("-s", "--signal")
    p.add_argument("containers", nargs="+")
    p.set_defaults(run=lambda client, args: for_each(args.containers, lambda c: action(client, c, args)))
    return p


def _stop(client: Client, name: str, args) -> None:
    api.stop(client, name, args.timeout, args.signal)


def _restart(client: Client, name: str, args) -> None:
    api.restart(client, name, args.timeout, args.signal)


def _kill(client: Client, name: str, args) -> None:
    api.kill(client, name, args.signal)


def _pause(client: Client, name: str, args) -> None:
    api.pause(client, name)


def _unpause(client: Client, name: str, args) -> None:
    api.unpause(client, name)


def run_rm(client: Client, args) -> int:
    return for_each(args.containers, lambda name: api.remove(client, name, args.force, args.volumes))


def run_wait(client: Client, args) -> int:
    def wait(name: str) -> None:
        result = api.wait(client, name).json() or {}
        print(result.get("StatusCode", 0))
    return for_each(args.containers, wait, echo=False)


def run_rename(client: Client, args) -> int:
    if not args.new_name.strip():
        raise InvalidArgument("Error: Neither old nor new names may be empty")
    api.rename(client, args.container, args.new_name)
    return 0


def update_body(args) -> dict:
    """The body of `POST /containers/{id}/update` from `update` flags (only what was given)."""
    body: dict = {}
    sizes = (("memory", "Memory"), ("memory_reservation", "MemoryReservation"))
    for flag, key in sizes:
        if getattr(args, flag):
            body[key] = ram_in_bytes(getattr(args, flag))
    if args.memory_swap:
        body["MemorySwap"] = -1 if args.memory_swap == "-1" else ram_in_bytes(args.memory_swap)
    if args.cpus:
        body["NanoCpus"] = nano_cpus(args.cpus)
    for flag, key in (("cpu_shares", "CpuShares"), ("cpu_period", "CpuPeriod"), ("cpu_quota", "CpuQuota"),
                      ("pids_limit", "PidsLimit"), ("blkio_weight", "BlkioWeight"),
                      ("cpuset_cpus", "CpusetCpus"), ("cpuset_mems", "CpusetMems")):
        if getattr(args, flag) is not None:
            body[key] = getattr(args, flag)
    if args.restart:
        body["RestartPolicy"] = restart_policy(args.restart)
    return body


def run_update(client: Client, args) -> int:
    body = update_body(args)
    if not body:
        raise InvalidArgument("you must provide one or more flags when using this command")
    return for_each(args.containers, lambda name: _print_warnings(api.update(client, name, body)))


def _print_warnings(result: dict) -> None:
    for warning in (result or {}).get("Warnings") or []:
        print(f"WARNING: {warning}", file=sys.stderr)


_INSPECTORS = {
    "container": lambda client, name, size: api.inspect(client, name, size),
    "image": lambda client, name, size: images_api.inspect_image(client, name),
    "network": lambda client, name, size: networks_api.inspect(client, name),
    "volume": lambda client, name, size: volumes_api.inspect(client, name),
}


def run_inspect(client: Client, args) -> int:
    """`inspect` tries containers, images, networks, volumes in turn (or just `--type`)."""
    kinds = [args.type] if args.type else list(_INSPECTORS)
    found, status = [], 0
    for name in args.names:
        for kind in kinds:
            try:
                found.append(_INSPECTORS[kind](client, name, args.size))
                break
            except NotFound:
                continue
        else:
            noun = f"{args.type}" if args.type else "object"
            print(f"Error: No such {noun}: {name}", file=sys.stderr)
            status = 1
    print_objects(found, args.format)
    return status


def run_prune(client: Client, args) -> int:
    if not args.force and not pruning.confirmed("This will remove all stopped containers."):
        return 0
    result = api.prune(client, ps.parse_filters(args.filter))
    pruning.report("Containers", result.get("ContainersDeleted") or [], result.get("SpaceReclaimed") or 0)
    return 0
