"""`dockyard build`: a directory as the context, the classic builder's output as it streams."""

from __future__ import annotations

import os
import sys

from dockyard.client.build_context import chunks_of, context_tar
from dockyard.client import Client
from dockyard.client import build as api


def register(sub) -> None:
    parser = sub.add_parser("build", help="Build an image from a Dockerfile")
    parser.add_argument("path")
    parser.add_argument("-t", "--tag", action="append", default=[])
    parser.add_argument("-f", "--file")
    parser.add_argument("--build-arg", action="append", default=[])
    parser.add_argument("--label", action="append", default=[])
    parser.add_argument("--no-cache", action="store_true")
    parser.add_argument("-q", "--quiet", action="store_true")
    parser.add_argument("--target", default="")
    parser.add_argument("--iidfile")
    parser.add_argument("--rm", type=lambda t: t.lower() in ("1", "true"), default=True)
    parser.add_argument("--force-rm", action="store_true")
    parser.add_argument("--network", default="")
    parser.set_defaults(run=run_build)


def run_build(client: Client, args) -> int:
    tar, dockerfile = context_tar(args.path, args.file)
    with tar:
        messages = api.build(client, chunks_of(tar), tags=args.tag, dockerfile=dockerfile, quiet=args.quiet,
                             nocache=args.no_cache, target=args.target, build_args=_build_args(args.build_arg),
                             labels=dict(_pair(label) for label in args.label), rm=args.rm, forcerm=args.force_rm,
                             network=args.network)
        image_id = ""
        for message in messages:
            if "errorDetail" in message:
                print(message["errorDetail"].get("message", "build failed"), file=sys.stderr)
                return int(message["errorDetail"].get("code") or 1)
            if "aux" in message:
                image_id = message["aux"].get("ID", image_id)
            elif "stream" in message:
                sys.stdout.write(message["stream"])
                if args.quiet:
                    image_id = message["stream"].strip()
    if args.iidfile and image_id:
        with open(args.iidfile, "w") as f:
            f.write(image_id)
    return 0


def _build_args(values: list[str]) -> dict[str, str | None]:
    """`--build-arg K=V`; a bare `K` passes K from this environment (unset if it is not set)."""
    found: dict[str, str | None] = {}
    for value in values:
        key, eq, rest = value.partition("=")
        found[key] = rest if eq else os.environ.get(key)
    return found


def _pair(value: str) -> tuple[str, str]:
    key, _, rest = value.partition("=")
    return key, rest
