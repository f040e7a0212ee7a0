"""`dockyard ps` (`container ls`): Docker's container table, `-q`, `--format`, filters."""

from __future__ import annotations

import ipaddress
import sys
import time

from dockyard.cli.table import format_items
from dockyard.client import Client
from dockyard.client import containers as api
from dockyard.errors import InvalidArgument
from dockyard.wire.humanize import human_size, human_since

TABLE = "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}"
HEADERS = {"ID": "CONTAINER ID", "Image": "IMAGE", "Command": "COMMAND", "RunningFor": "CREATED",
           "CreatedAt": "CREATED AT", "Status": "STATUS", "Ports": "PORTS", "Names": "NAMES", "Size": "SIZE",
           "Labels": "LABELS", "Mounts": "MOUNTS", "Networks": "NETWORKS", "State": "STATE",
           "LocalVolumes": "LOCAL VOLUMES", "Platform": "PLATFORM"}
COMMAND_WIDTH = 20


def register(sub, container) -> None:
    for parent, name in ((sub, "ps"), (container, "ls"), (container, "ps"), (container, "list")):
        p = parent.add_parser(name, help="List containers")
        p.add_argument("-a", "--all", action="store_true")
        p.add_argument("-q", "--quiet", action="store_true")
        p.add_argument("-n", "--last", type=int, default=-1)
        p.add_argument("-l", "--latest", action="store_true")
        p.add_argument("-s", "--size", action="store_true")
        p.add_argument("-f", "--filter", action="append", default=[])
        p.add_argument("--format")
        p.add_argument("--no-trunc", action="store_true")
        p.set_defaults(run=run_ps)


def parse_filters(items: list[str]) -> dict[str, list[str]]:
    filters: dict[str, list[str]] = {}
    for item in items:
        key, eq, value = item.partition("=")
        if not eq:
            raise InvalidArgument(f"bad format of filter (expected name=value): {item}")
        filters.setdefault(key, []).append(value)
    return filters


def run_ps(client: Client, args) -> int:
    limit = 1 if args.latest else args.last
    everything = args.all or limit > 0
    size = args.size or bool(args.format and "{{.Size}}" in args.format)
    found = api.list_containers(client, everything, limit, size, parse_filters(args.filter))
    trunc = not args.no_trunc
    if args.quiet:
        sys.stdout.write("".join((c["Id"][:12] if trunc else c["Id"]) + "\n" for c in found))
        return 0
    now = time.time()
    rows = [row(c, trunc, now) for c in found]
    table = TABLE + ("\t{{.Size}}" if args.size else "")
    sys.stdout.write(format_items(rows, args.format, table, HEADERS))
    return 0


def row(container: dict, trunc: bool, now: float) -> dict:
    """The fields `docker ps` shows and its templates read, from one `GET /containers/json` item."""
    command = container.get("Command") or ""
    if trunc and len(command) > COMMAND_WIDTH:
        command = command[:COMMAND_WIDTH - 1] + "…"
    names = [n[1:] if n.startswith("/") else n for n in container.get("Names") or []]
    if trunc:
        names = [n for n in names if "/" not in n][:1] or names[:1]
    networks = sorted((container.get("NetworkSettings") or {}).get("Networks") or {})
    mounts = [m.get("Name") or m.get("Source", "") for m in container.get("Mounts") or []]
    labels = container.get("Labels") or {}
    created = container.get("Created", 0)
    return {
        "ID": container["Id"][:12] if trunc else container["Id"],
        "Image": image_name(container.get("Image", ""), trunc),
        "Command": go_quote(command),
        "RunningFor": human_since(created, now),
        "CreatedAt": time.strftime("%Y-%m-%d %H:%M:%S +0000 UTC", time.gmtime(created)),
        "Status": container.get("Status", ""), "State": container.get("State", ""),
        "Ports": displayable_ports(container.get("Ports") or []), "Names": ",".join(names),
        "Size": size_text(container), "Labels": ",".join(f"{k}={v}" for k, v in sorted(labels.items())),
        "Mounts": ",".join(mounts), "Networks": ",".join(networks),
        "LocalVolumes": str(sum(1 for m in container.get("Mounts") or [] if m.get("Driver") == "local")),
    }


def image_name(image: str, trunc: bool) -> str:
    if not image:
        return "<no image>"
    if trunc:
        if image.startswith("sha256:"):
            return image[7:19]
        return image.split("@", 1)[0]
    return image


def size_text(container: dict) -> str:
    if "SizeRw" not in container and "SizeRootFs" not in container:
        return ""
    text = human_size(container.get("SizeRw") or 0)
    if container.get("SizeRootFs"):
        text += f" (virtual {human_size(container['SizeRootFs'])})"
    return text


def go_quote(text: str) -> str:
    """Go's strconv.Quote: double quotes, backslash escapes, printable unicode kept."""
    escapes = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\a": "\\a", "\b": "\\b",
               "\f": "\\f", "\v": "\\v"}
    out = []
    for char in text:
        if char in escapes:
            out.append(escapes[char])
        elif char.isprintable():
            out.append(char)
        elif ord(char) < 0x100:
            out.append(f"\\x{ord(char):02x}")
        else:
            out.append(f"\\u{ord(char):04x}")
    return '"' + "".join(out) + '"'


def displayable_ports(ports: list[dict]) -> str:
    """Docker's DisplayablePorts: consecutive ports grouped into ranges, mappings last."""
    groups: dict[str, list[int]] = {}
    order: list[str] = []
    result, mappings = [], []
    for port in sorted(ports, key=lambda p: (p.get("PrivatePort", 0), p.get("IP", ""), p.get("PublicPort", 0),
                                               p.get("Type", ""))):
        private, kind, ip = port.get("PrivatePort", 0), port.get("Type", "tcp"), port.get("IP", "")
        key = kind
        if ip:
            if port.get("PublicPort") != private:
                mappings.append(f"{_join_host(ip, str(port.get('PublicPort')))}->{private}/{kind}")
                continue
            key = f"{ip}/{kind}"
        group = groups.get(key)
        if group is None:
            groups[key] = [private, private]
            order.append(key)
        elif private == group[1] + 1:
            group[1] = private
        else:
            result.append(_form_group(key, *group))
            groups[key] = [private, private]
    result += [_form_group(key, *groups[key]) for key in order]
    return ", ".join(result + mappings)


def _form_group(key: str, first: int, last: int) -> str:
    ip, _, kind = key.rpartition("/")
    group = str(first) if first == last else f"{first}-{last}"
    if ip:
        group = f"{_join_host(ip, group)}->{group}"
    return f"{group}/{kind}"


def _join_host(ip: str, port: str) -> str:
    try:
        is_v6 = ipaddress.ip_address(ip).version == 6
    except ValueError:
        is_v6 = ":" in ip
    return f"[{ip}]:{port}" if is_v6 else f"{ip}:{port}"
