"""`dockyard version`, `info`, `events`."""

import re
import sys
import time

from dockyard import __version__
from dockyard.cli.gotemplate import render
from dockyard.client import Client
from dockyard.wire.times import format_rfc3339_nano


def register(sub) -> None:
    version = sub.add_parser("version", help="Show the client and server version")
    version.add_argument("-f", "--format")
    version.set_defaults(run=run_version)
    info = sub.add_parser("info", help="Display system-wide information")
    info.add_argument("-f", "--format")
    info.set_defaults(run=run_info)
    events = sub.add_parser("events", help="Get real time events from the server")
    events.add_argument("--since")
    events.add_argument("--until")
    events.add_argument("-f", "--filter", action="append", default=[])
    events.add_argument("--format")
    events.set_defaults(run=run_events)


def run_version(client: Client, args) -> int:
    server = client.version()
    data = {"Client": {"Version": __version__, "ApiVersion": server.get("ApiVersion")}, "Server": server}
    if args.format:
        print(render(args.format, data))
        return 0
    print(f"Client:\n Version:     {__version__}\n Host:        {client.host}\n")
    print("Server:")
    for key in ("Version", "ApiVersion", "MinAPIVersion", "Os", "Arch", "KernelVersion"):
        print(f" {key + ':':<16}{server.get(key, '')}")
    return 0


def run_info(client: Client, args) -> int:
    info = client.info()
    if args.format:
        print(render(args.format, info))
        return 0
    rows = [
        ("Containers", info["Containers"]), (" Running", info["ContainersRunning"]),
        (" Paused", info["ContainersPaused"]), (" Stopped", info["ContainersStopped"]),
        ("Images", info["Images"]), ("Server Version", info["ServerVersion"]),
        ("Storage Driver", info["Driver"]), ("Logging Driver", info["LoggingDriver"]),
        ("Cgroup Driver", info["CgroupDriver"]), ("Cgroup Version", info["CgroupVersion"]),
        ("Default Runtime", info["DefaultRuntime"]), ("Kernel Version", info["KernelVersion"]),
        ("Operating System", info["OperatingSystem"]), ("CPUs", info["NCPU"]),
        ("Total Memory", info["MemTotal"]), ("Name", info["Name"]), ("ID", info["ID"]),
        ("Docker Root Dir", info["DockerRootDir"]),
    ]
    print("Server:")
    for key, value in rows:
        print(f" {key}: {value}")
    return 0


def run_events(client: Client, args) -> int:
    filters: dict[str, list[str]] = {}
    for item in args.filter:
        key, _, value = item.partition("=")
        filters.setdefault(key, []).append(value)
    for event in client.events(_since(args.since), _since(args.until), filters):
        if args.format:
            print(render(args.format, event))
        else:
            print(event_line(event))
        sys.stdout.flush()
    return 0


def event_line(event: dict) -> str:
    attrs = event.get("Actor", {}).get("Attributes", {})
    detail = ", ".join(f"{k}={v}" for k, v in sorted(attrs.items()))
    stamp = format_rfc3339_nano(event.get("timeNano", 0))
    return f"{stamp} {event['Type']} {event['Action']} {event['Actor']['ID']}" + (f" ({detail})" if detail else "")


def _since(value: str | None) -> str | None:
    """`10m`, `1h`, `0s` relative to now, as docker accepts; anything else passes through."""
    if value is None:
        return None
    match = re.fullmatch(r"(\d+)(s|m|h)", value)
    if not match:
        return value
    seconds = int(match.group(1)) * {"s": 1, "m": 60, "h": 3600}[match.group(2)]
    return str(int(time.time()) - seconds)
