"""The commands that only look: `ps`, `ls`, `images`, `top`, `version`, printed as compose v2 prints
them (layouts in `listing`)."""

from __future__ import annotations

import sys

from dockyard.cli.table import format_items
from dockyard.client import Client
from dockyard.client import containers as api
from dockyard.client import images as image_api
from dockyard.client import volumes as volume_api
from dockyard.compose import labels as L
from dockyard.cli.compose import listing
from dockyard.compose.model import Project
from dockyard.errors import InvalidArgument
from dockyard.wire import gojson
from dockyard.wire.humanize import human_since, human_size
from dockyard.wire.times import parse_time_ns

VERSION = "5.6.1"  # the compose v2 behaviour `dockyard compose` follows
_STATES = {"paused", "restarting", "removing", "running", "dead", "created", "exited"}


def project_containers(client: Client, name: str, all_: bool, oneoff: bool, services=()) -> list[dict]:
    """The project's containers as `GET /containers/json` lists them (one-offs only with `oneoff`)."""
    more = () if oneoff else (f"{L.ONEOFF}=False",)
    listed = api.list_containers(client, all_=all_, filters=L.project_filter(name, *more))
    return [c for c in listed if not services or (c.get("Labels") or {}).get(L.SERVICE) in services]


def ps(client: Client, args, project: Project | None, name: str) -> int:
    statuses = list(args.status)
    if args.filter:
        key, _, value = args.filter.partition("=")
        if key != "status":
            raise InvalidArgument(f"unknown filter {key}")
        statuses.append(value)
    for status in statuses:
        if status not in _STATES:
            raise InvalidArgument(f"invalid filter 'status={status}'")
    services = list(args.services)
    if project is not None:
        known = list(project.services)
        for service in services:
            if service not in known:
                raise InvalidArgument(f"no such service: {service}")
        if not services and not args.orphans:
            services = known
    found = project_containers(client, name, args.all or bool(statuses), args.all, services)
    if statuses:
        found = [c for c in found if c.get("State") in statuses]
    found.sort(key=lambda c: c["Names"][0])
    if args.quiet:
        sys.stdout.write("".join(c["Id"] + "\n" for c in found))
        return 0
    if args.list_services:
        shown = list(dict.fromkeys((c.get("Labels") or {}).get(L.SERVICE, "") for c in found))
        print("\n".join(shown))
        return 0
    fields = [listing.ps_fields(c, _state(client, c), trunc=not args.no_trunc) for c in found]
    if args.format == "json":
        sys.stdout.write("".join(listing.ps_json(f) for f in fields))
        return 0
    template = args.format if args.format and args.format != "table" else listing.PS_TABLE
    sys.stdout.write(format_items(fields, template, listing.PS_TABLE, listing.PS_HEADERS))
    return 0


def _state(client: Client, summary: dict) -> dict:
    return api.inspect(client, summary["Id"]).get("State") or {}


def ls(client: Client, args) -> int:
    listed = api.list_containers(client, all_=args.all, filters={"label": [L.PROJECT, L.CONFIG_HASH]})
    found = listing.stacks(listed)
    for item in args.filter:
        key, _, value = item.partition("=")
        if key != "name":
            raise InvalidArgument(f"invalid filter '{key}'")
        found = [s for s in found if value in s["Name"]]
    if args.quiet:
        sys.stdout.write("".join(s["Name"] + "\n" for s in found))
    elif args.format == "json":
        print(gojson.dumps(found, escape_html=False))
    elif args.format in ("table", "pretty", ""):
        sys.stdout.write(listing.pretty(["NAME", "STATUS", "CONFIG FILES"],
                                        [[s["Name"], s["Status"], s["ConfigFiles"]] for s in found]))
    else:
        raise InvalidArgument(f'format value "{args.format}" could not be parsed: parsing failed')
    return 0


def images(client: Client, args, project: Project | None, name: str) -> int:
    found = sorted(project_containers(client, name, True, True, args.services), key=lambda c: c["Names"][0])
    shown = []
    for container in found:
        image = image_api.inspect_image(client, container["ImageID"])
        repo, tag = _repo_tag(image, container.get("Image", ""))
        platform = "/".join(p for p in (image.get("Os"), image.get("Architecture"), image.get("Variant")) if p)
        shown.append({"ID": image["Id"], "ContainerName": container["Names"][0].lstrip("/"), "Repository": repo,
                      "Tag": tag, "Platform": platform, "Size": image.get("Size", 0),
                      "Created": image.get("Created", ""),
                      "LastTagTime": (image.get("Metadata") or {}).get("LastTagTime", "")})
    if args.quiet:
        ids = dict.fromkeys(i["ID"].partition(":")[2] or i["ID"] for i in shown)
        sys.stdout.write("".join(f"{i}\n" for i in ids))
    elif args.format == "json":
        for item in shown:
            if not item["LastTagTime"] or item["LastTagTime"].startswith("0001-"):
                item.pop("LastTagTime")
        sys.stdout.write(gojson.dumps(shown or None, escape_html=False) + "\n\n")  # compose prints two
    else:
        rows = [[i["ContainerName"], i["Repository"] or "<none>", i["Tag"] or "<none>", i["Platform"],
                 i["ID"].partition(":")[2][:12], human_size(i["Size"]), _created(i["Created"])] for i in shown]
        sys.stdout.write(listing.pretty(["CONTAINER", "REPOSITORY", "TAG", "PLATFORM", "IMAGE ID", "SIZE",
                                         "CREATED"], rows))
    return 0


def _repo_tag(image: dict, used: str) -> tuple[str, str]:
    """The tag the container was created from when the image still has it, else its first."""
    tags = image.get("RepoTags") or []
    wanted = used if ":" in used.rsplit("/", 1)[-1] else f"{used}:latest"
    tag = wanted if wanted in tags else (tags[0] if tags else "")
    repo, _, version = tag.rpartition(":")
    return repo, version


def _created(created: str) -> str:
    created_ns = parse_time_ns(created) if created else None
    return human_since(created_ns / 1e9) if created_ns is not None else "N/A"


def top(client: Client, args, project: Project | None, name: str) -> int:
    running = sorted(project_containers(client, name, False, False, args.services), key=lambda c: c["Names"][0])
    tops = [((c.get("Labels") or {}).get(L.SERVICE, ""), (c.get("Labels") or {}).get(L.NUMBER, ""),
             api.top(client, c["Id"])) for c in running]
    sys.stdout.write(listing.top_table(tops))
    return 0


def version(client: Client | None, args) -> int:
    if args.short:
        print(VERSION)
    elif args.format == "json":
        print(gojson.dumps({"version": f"v{VERSION}"}))
    elif args.format in ("", "pretty"):
        print(f"Docker Compose version v{VERSION} (dockyard compose)")
    else:
        raise InvalidArgument(f"ERROR: Invalid format type {args.format}")
    return 0


def volumes(client: Client, args, project: Project | None, name: str) -> int:
    """The project's volumes (those the services named mount), as `docker volume ls` shows them."""
    found = volume_api.list_volumes(client, filters={"label": [f"{L.PROJECT}={name}"]})
    if args.services and project is not None:
        used = {project.volumes[m.source].name for s in args.services for m in project.service(s).volumes
                if m.type == "volume" and m.source}
        found = [v for v in found if v["Name"] in used]
    found.sort(key=lambda v: v["Name"])
    if args.quiet:
        sys.stdout.write("".join(v["Name"] + "\n" for v in found))
        return 0
    rows = [{"Availability": "N/A", "Driver": v.get("Driver", ""), "Group": "N/A",
             "Labels": ",".join(f"{k}={x}" for k, x in (v.get("Labels") or {}).items()), "Links": "N/A",
             "Mountpoint": v.get("Mountpoint", ""), "Name": v["Name"], "Scope": v.get("Scope", "local"),
             "Size": "N/A", "Status": "N/A"} for v in found]
    if args.format == "json":
        sys.stdout.write("".join(gojson.dumps(r) + "\n" for r in rows))
        return 0
    table = "table {{.Driver}}\t{{.Name}}"
    sys.stdout.write(format_items(rows, args.format if args.format not in ("", "table") else table, table,
                                  {"Driver": "DRIVER", "Name": "VOLUME NAME", "Scope": "SCOPE",
                                   "Mountpoint": "MOUNTPOINT", "Labels": "LABELS"}))
    return 0
