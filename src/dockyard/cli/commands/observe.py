"""Commands that look at a container: logs, top, stats, port, diff."""

from __future__ import annotations

import sys
import time

from dockyard.cli import streams
from dockyard.cli.commands.create_body import duration_ns
from dockyard.cli.table import align, format_items
from dockyard.client import Client
from dockyard.client import containers as api
from dockyard.errors import DockyardError, InvalidArgument
from dockyard.wire.humanize import bytes_size, human_size

STATS_TABLE = ("table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}"
               "\t{{.PIDs}}")
STATS_HEADERS = {"ID": "CONTAINER ID", "Container": "CONTAINER", "Name": "NAME", "CPUPerc": "CPU %",
                 "MemUsage": "MEM USAGE / LIMIT", "MemPerc": "MEM %", "NetIO": "NET I/O", "BlockIO": "BLOCK I/O",
                 "PIDs": "PIDS"}
_CHANGE_KINDS = {0: "C", 1: "A", 2: "D"}


def register(sub, container) -> None:
    for parent in (sub, container):
        logs = parent.add_parser("logs", help="Fetch the logs of a container")
        logs.add_argument("-f", "--follow", action="store_true")
        logs.add_argument("-n", "--tail", default="all")
        logs.add_argument("-t", "--timestamps", action="store_true")
        logs.add_argument("--since")
        logs.add_argument("--until")
        logs.add_argument("--details", action="store_true")
        logs.add_argument("container")
        logs.set_defaults(run=run_logs)
        top = parent.add_parser("top", help="Display the running processes of a container")
        top.add_argument("container")
        top.add_argument("ps_args", nargs="*")
        top.set_defaults(run=run_top)
        stats = parent.add_parser("stats", help="Display a live stream of container resource usage statistics")
        stats.add_argument("-a", "--all", action="store_true")
        stats.add_argument("--no-stream", action="store_true")
        stats.add_argument("--no-trunc", action="store_true")
        stats.add_argument("--format")
        stats.add_argument("containers", nargs="*")
        stats.set_defaults(run=run_stats)
        port = parent.add_parser("port", help="List port mappings or a specific mapping for the container")
        port.add_argument("container")
        port.add_argument("port", nargs="?")
        port.set_defaults(run=run_port)
        diff = parent.add_parser("diff", help="Inspect changes to files or directories on a container's filesystem")
        diff.add_argument("container")
        diff.set_defaults(run=run_diff)


def relative_time(value: str | None, now: float | None = None) -> str | None:
    """`--since 10m` as unix seconds (Docker computes it client-side); timestamps pass through."""
    if not value:
        return None
    try:
        ago = duration_ns(value) / 1e9
    except InvalidArgument:
        return value
    return f"{(now if now is not None else time.time()) - ago:.9f}"


def run_logs(client: Client, args) -> int:
    info = api.inspect(client, args.container)
    chunks = api.logs(client, info["Id"], args.follow, True, True, args.tail, args.timestamps,
                      relative_time(args.since), relative_time(args.until))
    streams.write_log_chunks(chunks, info["Config"].get("Tty", False))
    return 0


def run_top(client: Client, args) -> int:
    result = api.top(client, args.container, " ".join(args.ps_args))
    rows = [result.get("Titles") or []] + [list(p) for p in result.get("Processes") or []]
    sys.stdout.write(align(rows))
    return 0


def run_port(client: Client, args) -> int:
    info = api.inspect(client, args.container)
    ports = (info.get("NetworkSettings") or {}).get("Ports") or {}
    if args.port:
        key = args.port if "/" in args.port else args.port + "/tcp"
        bindings = ports.get(key) or []
        if not bindings:
            raise InvalidArgument(f"No public port '{key}' published for {args.container}")
        sys.stdout.write("".join(host_address(b) + "\n" for b in bindings))
        return 0
    lines = port_lines(ports)
    sys.stdout.write("".join(line + "\n" for line in lines))
    return 0


def port_lines(ports: dict) -> list[str]:
    """`80/tcp -> 0.0.0.0:8080` for every published binding, ordered by port number."""
    def order(key: str):
        number, _, proto = key.partition("/")
        return int(number) if number.isdigit() else 0, proto
    return [f"{key} -> {host_address(b)}" for key in sorted(ports, key=order) for b in ports[key] or []]


def host_address(binding: dict) -> str:
    ip = binding.get("HostIp") or "0.0.0.0"
    return f"[{ip}]:{binding.get('HostPort')}" if ":" in ip else f"{ip}:{binding.get('HostPort')}"


def run_diff(client: Client, args) -> int:
    for change in api.changes(client, args.container):
        print(f"{_CHANGE_KINDS.get(change['Kind'], '?')} {change['Path']}")
    return 0


def run_stats(client: Client, args) -> int:
    names = args.containers or [c["Id"][:12] for c in api.list_containers(client, args.all)]
    while True:
        rows, status = [], 0
        for name in names:
            try:
                rows.append(stats_row(api.stats_once(client, name), args.no_trunc))
            except DockyardError as err:
                print(f"Error response from daemon: {err}", file=sys.stderr)
                status = 1
        table = format_items(rows, args.format, STATS_TABLE, STATS_HEADERS)
        if args.no_stream:
            sys.stdout.write(table)
            return status
        sys.stdout.write("\033[2J\033[H" + table)
        sys.stdout.flush()


def stats_row(sample: dict, no_trunc: bool = False) -> dict:
    """One line of `docker stats` from a one-shot stats object (pure)."""
    cpu, pre = sample.get("cpu_stats") or {}, sample.get("precpu_stats") or {}
    cpu_delta = (cpu.get("cpu_usage") or {}).get("total_usage", 0) - (pre.get("cpu_usage") or {}).get("total_usage", 0)
    system_delta = cpu.get("system_cpu_usage", 0) - pre.get("system_cpu_usage", 0)
    online = cpu.get("online_cpus") or len((cpu.get("cpu_usage") or {}).get("percpu_usage") or []) or 1
    cpu_percent = cpu_delta / system_delta * online * 100 if cpu_delta > 0 and system_delta > 0 else 0.0
    memory = sample.get("memory_stats") or {}
    details = memory.get("stats") or {}
    usage = memory.get("usage", 0)
    inactive = details.get("total_inactive_file", details.get("inactive_file", 0))
    usage = usage - inactive if inactive < usage else usage
    limit = memory.get("limit", 0)
    networks = (sample.get("networks") or {}).values()
    blkio = (sample.get("blkio_stats") or {}).get("io_service_bytes_recursive") or []
    read = sum(e.get("value", 0) for e in blkio if e.get("op", "").lower() == "read")
    write = sum(e.get("value", 0) for e in blkio if e.get("op", "").lower() == "write")
    container_id = sample.get("id", "")
    return {
        "ID": container_id if no_trunc else container_id[:12], "Container": container_id[:12],
        "Name": (sample.get("name") or "").lstrip("/"), "CPUPerc": f"{cpu_percent:.2f}%",
        "MemUsage": f"{bytes_size(usage)} / {bytes_size(limit)}",
        "MemPerc": f"{usage / limit * 100:.2f}%" if limit else "0.00%",
        "NetIO": f"{human_size(sum(n.get('rx_bytes', 0) for n in networks))} / "
                 f"{human_size(sum(n.get('tx_bytes', 0) for n in networks))}",
        "BlockIO": f"{human_size(read)} / {human_size(write)}",
        "PIDs": str((sample.get("pids_stats") or {}).get("current", 0)),
    }
