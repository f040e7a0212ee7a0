"""`dockyard images|image ls|inspect|history|tag|rmi|save|load|import|image prune`."""

from __future__ import annotations

import sys
import time
from typing import Iterator

from dockyard.cli import prune as pruning
from dockyard.cli.commands.ps import parse_filters
from dockyard.cli.each import for_each, print_objects, write_output
from dockyard.cli.table import format_items
from dockyard.client import Client
from dockyard.client import images as api
from dockyard.errors import DockyardError, InternalError, InvalidArgument
from dockyard.wire.humanize import human_since, human_size

CHUNK = 1 << 20
LIST_TABLE = "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
LIST_HEADERS = {"Repository": "REPOSITORY", "Tag": "TAG", "ID": "IMAGE ID", "CreatedSince": "CREATED",
                "Size": "SIZE", "Digest": "DIGEST", "CreatedAt": "CREATED AT"}
HISTORY_TABLE = "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}"
HISTORY_HEADERS = {"ID": "IMAGE", "CreatedSince": "CREATED", "CreatedBy": "CREATED BY", "Size": "SIZE",
                   "Comment": "COMMENT"}


def register(sub) -> None:
    _list_parser(sub.add_parser("images", help="List images"))
    image = sub.add_parser("image", help="Manage images").add_subparsers(dest="image_command", required=True)
    _list_parser(image.add_parser("ls", help="List images"))
    for parent in (sub, image):
        _history_parser(parent.add_parser("history", help="Show the history of an image"))
        _tag_parser(parent.add_parser("tag", help="Create a tag TARGET that refers to SOURCE"))
        _save_parser(parent.add_parser("save", help="Save images to a tar archive"))
        _load_parser(parent.add_parser("load", help="Load images from a tar archive"))
        _import_parser(parent.add_parser("import", help="Import a root filesystem tarball as an image"))
    _rmi_parser(sub.add_parser("rmi", help="Remove images"))
    _rmi_parser(image.add_parser("rm", help="Remove images"))
    inspect = image.add_parser("inspect", help="Display detailed information on images")
    inspect.add_argument("-f", "--format")
    inspect.add_argument("names", nargs="+")
    inspect.set_defaults(run=run_inspect)
    prune = image.add_parser("prune", help="Remove unused images")
    prune.add_argument("-a", "--all", action="store_true")
    prune.add_argument("-f", "--force", action="store_true")
    prune.add_argument("--filter", action="append", default=[])
    prune.set_defaults(run=run_prune)


def _list_parser(p) -> None:
    p.add_argument("reference", nargs="?")
    p.add_argument("-a", "--all", action="store_true")
    p.add_argument("-q", "--quiet", action="store_true")
    p.add_argument("-f", "--filter", action="append", default=[])
    p.add_argument("--format")
    p.add_argument("--no-trunc", action="store_true")
    p.add_argument("--digests", action="store_true")
    p.set_defaults(run=run_images)


def _history_parser(p) -> None:
    p.add_argument("name")
    p.add_argument("-q", "--quiet", action="store_true")
    p.add_argument("--format")
    p.add_argument("--no-trunc", action="store_true")
    p.add_argument("-H", "--human", type=_bool, default=True)
    p.set_defaults(run=run_history)


def _tag_parser(p) -> None:
    p.add_argument("source")
    p.add_argument("target")
    p.set_defaults(run=run_tag)


def _rmi_parser(p) -> None:
    p.add_argument("names", nargs="+")
    p.add_argument("-f", "--force", action="store_true")
    p.add_argument("--no-prune", action="store_true")
    p.set_defaults(run=run_rmi)


def _save_parser(p) -> None:
    p.add_argument("names", nargs="+")
    p.add_argument("-o", "--output")
    p.set_defaults(run=run_save)


def _load_parser(p) -> None:
    p.add_argument("-i", "--input")
    p.add_argument("-q", "--quiet", action="store_true")
    p.set_defaults(run=run_load)


def _import_parser(p) -> None:
    p.add_argument("file")
    p.add_argument("reference", nargs="?")
    p.add_argument("-c", "--change", action="append", default=[])
    p.add_argument("-m", "--message")
    p.add_argument("--platform")
    p.set_defaults(run=run_import)


def _bool(text: str) -> bool:
    return text.lower() in ("1", "true", "yes")


# ---- commands -------------------------------------------------------------------------------

def run_images(client: Client, args) -> int:
    filters = parse_filters(args.filter)
    if args.reference:
        filters.setdefault("reference", []).append(args.reference)
    found = api.list_images(client, args.all, filters, args.digests)
    rows = [row for image in found for row in _list_rows(image, args.no_trunc)]
    if args.quiet:
        seen = []
        for row in rows:
            if row["ID"] not in seen:
                seen.append(row["ID"])
        sys.stdout.write("".join(i + "\n" for i in seen))
        return 0
    table = LIST_TABLE.replace("{{.ID}}", "{{.Digest}}\t{{.ID}}") if args.digests else LIST_TABLE
    sys.stdout.write(format_items(rows, args.format, table, LIST_HEADERS))
    return 0


def _list_rows(image: dict, no_trunc: bool) -> list[dict]:
    image_id = image["Id"] if no_trunc else image["Id"].split(":", 1)[-1][:12]
    base = {"ID": image_id, "CreatedSince": human_since(image["Created"]),
            "CreatedAt": time.strftime("%Y-%m-%d %H:%M:%S +0000 UTC", time.gmtime(image["Created"])),
            "Size": human_size(image["Size"]), "Digest": "<none>", "Containers": "N/A"}
    digests = image.get("RepoDigests") or []
    if digests:
        base["Digest"] = digests[0].split("@", 1)[1]
    tags = image.get("RepoTags") or []
    if not tags:
        return [{**base, "Repository": "<none>", "Tag": "<none>"}]
    rows = []
    for tag in tags:
        repo, _, name = tag.rpartition(":")
        rows.append({**base, "Repository": repo, "Tag": name})
    return rows


def run_inspect(client: Client, args) -> int:
    found, missing = [], []
    for name in args.names:
        try:
            found.append(api.inspect_image(client, name))
        except DockyardError:
            missing.append(name)
    print_objects(found, args.format)
    for name in missing:
        print(f"Error: No such image: {name}", file=sys.stderr)
    return 1 if missing else 0


def run_history(client: Client, args) -> int:
    rows = []
    for entry in api.history(client, args.name):
        image_id = entry["Id"]
        if not args.no_trunc and image_id.startswith("sha256:"):
            image_id = image_id[7:19]
        created_by = entry["CreatedBy"]
        if not args.no_trunc and len(created_by) > 45:
            created_by = created_by[:44] + "…"
        rows.append({"ID": image_id, "CreatedSince": human_since(entry["Created"]) if args.human
                     else str(entry["Created"]), "CreatedBy": created_by,
                     "Size": human_size(entry["Size"]) if args.human else str(entry["Size"]),
                     "Comment": entry["Comment"]})
    if args.quiet:
        sys.stdout.write("".join(r["ID"] + "\n" for r in rows))
        return 0
    sys.stdout.write(format_items(rows, args.format, HISTORY_TABLE, HISTORY_HEADERS))
    return 0


def run_tag(client: Client, args) -> int:
    repo, tag = split_tag(args.target)
    api.tag(client, args.source, repo, tag)
    return 0


def run_rmi(client: Client, args) -> int:
    def remove(name: str) -> None:
        for item in api.remove(client, name, args.force, args.no_prune):
            for key, value in item.items():
                print(f"{key}: {value}")

    return for_each(args.names, remove, echo=False)


def run_prune(client: Client, args) -> int:
    filters = parse_filters(args.filter)
    if args.all:
        filters["dangling"] = ["false"]
    if not args.force and not pruning.confirmed("This will remove all dangling images."):
        return 0
    result = api.prune(client, filters)
    lines = [f"{key.lower()}: {value}" for item in result.get("ImagesDeleted") or [] for key, value in item.items()]
    pruning.report("Images", lines, result.get("SpaceReclaimed") or 0)
    return 0


def run_save(client: Client, args) -> int:
    write_output(api.save(client, args.names), args.output)
    return 0


def run_load(client: Client, args) -> int:
    source = open(args.input, "rb") if args.input else sys.stdin.buffer
    if not args.input and sys.stdin.isatty():
        raise InvalidArgument("requested load from stdin, but stdin is empty")
    with source:
        return _print_stream(api.load(client, _read_chunks(source), args.quiet or not sys.stdout.isatty()))


def run_import(client: Client, args) -> int:
    repo, tag = split_tag(args.reference) if args.reference else (None, None)
    if args.file != "-" and "://" in args.file:
        raise InvalidArgument("importing from a URL is not supported: pass a file or -")
    source = sys.stdin.buffer if args.file == "-" else open(args.file, "rb")
    with source:
        stream = api.import_image(client, _read_chunks(source), repo, tag, args.change, args.message,
                                  args.platform)
        return _print_stream(stream)


def _print_stream(messages: Iterator[dict]) -> int:
    for message in messages:
        if "errorDetail" in message:
            raise InternalError(message["errorDetail"].get("message", "unknown error"))
        if "stream" in message:
            sys.stdout.write(message["stream"])
        elif "status" in message and not message.get("progressDetail"):
            print(message["status"])
    return 0


def _read_chunks(source) -> Iterator[bytes]:
    while chunk := source.read(CHUNK):
        yield chunk


# ---- pure helpers ---------------------------------------------------------------------------

def split_tag(target: str) -> tuple[str, str | None]:
    """`repo[:tag]` where the repo may contain a registry port: `127.0.0.1:5000/bb:1`."""
    slash = target.rfind("/")
    colon = target.rfind(":")
    if colon > slash:
        return target[:colon], target[colon + 1:]
    return target, None
