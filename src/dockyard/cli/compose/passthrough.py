"""Commands that hand a service's containers to what the docker CLI does with one container, as
compose v2 does: cp, attach, stats, events, export, commit, push."""

from __future__ import annotations

import argparse
import sys
import time

from dockyard.cli import credentials, transfer_view
from dockyard.cli.commands import container_files, observe as observe_cli, run as run_cli
from dockyard.client import Client
from dockyard.client import containers as container_api
from dockyard.client import registry as registry_api
from dockyard.compose import labels as L
from dockyard.compose.model import Project
from dockyard.cli.compose.views import project_containers
from dockyard.compose.plan import dependency_order
from dockyard.errors import DockyardError, InvalidArgument, NotFound
from dockyard.oci import reference
from dockyard.wire import gojson
from dockyard.wire.times import format_rfc3339_nano


def service_container(client: Client, name: str, service: str, index: int | None, running: bool = False) -> dict:
    """The service's container of that number (the first when none is given)."""
    found = sorted(project_containers(client, name, not running, False, [service]),
                   key=lambda c: int((c.get("Labels") or {}).get(L.NUMBER, "0") or 0))
    if index:
        found = [c for c in found if (c.get("Labels") or {}).get(L.NUMBER) == str(index)]
    if not found:
        raise NotFound(f'service "{service}" is not running' if running
                       else f'no container found for service "{service}"')
    return found[0]


def _name(container: dict) -> str:
    return container["Names"][0].lstrip("/")


def cp(client: Client, args, project: Project | None, name: str) -> int:
    source_service, source = container_files.split_cp_arg(args.source)
    dest_service, dest = container_files.split_cp_arg(args.destination)
    if source_service and dest_service:
        raise InvalidArgument("copying between services is not supported")
    if not source_service and not dest_service:
        raise InvalidArgument("unknown copy direction")
    service = source_service or dest_service or ""
    if source_service or args.index:
        targets = [service_container(client, name, service, args.index or 1)]
    else:
        targets = project_containers(client, name, True, args.all, [service])
        if not targets:
            raise NotFound(f'no container found for service "{service}"')
    for container in targets:
        shown = _name(container)
        detail = f"{shown}:{source} to {dest}" if source_service else f"{source} to {shown}:{dest}"
        print(f" {shown} Copying {detail}", file=sys.stderr)
        one = argparse.Namespace(source=f"{container['Id']}:{source}" if source_service else args.source,
                                 destination=args.destination if source_service else f"{container['Id']}:{dest}",
                                 archive=args.archive, follow_link=args.follow_link, quiet=True)
        container_files.run_cp(client, one)
        print(f" {shown} Copied {detail}", file=sys.stderr)
    return 0


def attach(client: Client, args, project: Project | None, name: str) -> int:
    container = service_container(client, name, args.service, args.index, running=True)
    one = argparse.Namespace(container=container["Id"], no_stdin=args.no_stdin, detach_keys=args.detach_keys,
                             sig_proxy=args.sig_proxy)
    return run_cli.run_attach(client, one)


def stats(client: Client, args, project: Project | None, name: str) -> int:
    services = [args.service] if args.service else []
    found = project_containers(client, name, args.all, True, services)
    if not found:
        return 0
    if args.format == "json":  # the docker CLI's {{json .}} of each row: keys sorted, the container as given
        while True:
            for container in found:
                row = observe_cli.stats_row(container_api.stats_once(client, container["Id"]), args.no_trunc)
                print(gojson.dumps(dict(sorted({**row, "Container": container["Id"]}.items()))), flush=True)
            if args.no_stream:
                return 0
            time.sleep(1)
    one = argparse.Namespace(all=args.all, no_stream=args.no_stream, no_trunc=args.no_trunc, format=args.format,
                             containers=[c["Id"] for c in found])
    return observe_cli.run_stats(client, one)


def events(client: Client, args, project: Project | None, name: str) -> int:
    """Container events of the project's services (not one-offs), compose v2's line or `--json`."""
    for event in client.events(args.since, args.until, L.project_filter(name)):
        if event.get("Type") != "container":
            continue
        attributes = (event.get("Actor") or {}).get("Attributes") or {}
        if attributes.get(L.ONEOFF) == "True":
            continue
        service = attributes.get(L.SERVICE, "")
        if args.services and service not in args.services:
            continue
        own = {k: v for k, v in sorted(attributes.items()) if not k.startswith("com.docker.compose.")}
        time_ns = event.get("timeNano") or event.get("time", 0) * 1_000_000_000
        if args.json:
            print(gojson.dumps({"action": event.get("Action", ""), "attributes": own,
                                "id": event["Actor"]["ID"], "service": service,
                                "time": format_rfc3339_nano(time_ns, fixed=False), "type": "container"}))
        else:
            stamp = format_rfc3339_nano(time_ns).replace("T", " ")[:26]
            detail = ", ".join(f"{k}={v}" for k, v in own.items())
            print(f"{stamp} container {event.get('Action', '')} {event['Actor']['ID']} ({detail})\n")
        sys.stdout.flush()
    return 0


def export(client: Client, args, project: Project | None, name: str) -> int:
    container = service_container(client, name, args.service, args.index)
    return container_files.run_export(client, argparse.Namespace(container=container["Id"], output=args.output))


def commit(client: Client, args, project: Project | None, name: str) -> int:
    container = service_container(client, name, args.service, args.index)
    one = argparse.Namespace(container=container["Id"], reference=args.reference, author=args.author,
                             message=args.message, change=args.change, pause=args.pause)
    return container_files.run_commit(client, one)


def push(client: Client, args, project: Project) -> int:
    """Push the images of services that name one (built or not); dependencies with --include-deps."""
    push_images(client, project, dependency_order(project, list(args.services) or None, args.include_deps),
                args.ignore_push_failures)
    return 0


def push_images(client: Client, project: Project, names: list[str], ignore_failures: bool) -> None:
    for service in (project.services[n] for n in names):
        if not service.image or (service.build is not None and service.image == f"{project.name}-{service.name}"):
            continue
        print(f" Image {service.image} Pushing", file=sys.stderr)
        ref = reference.parse(service.image).with_default_tag()
        try:
            transfer_view.drain(registry_api.push(client, ref.repository().familiar(), ref.tag,
                                                  credentials.lookup(credentials.server_of(ref.domain))))
        except DockyardError as err:
            if not ignore_failures:
                raise
            print(f"WARN[0000] failed to push {service.image}: {err}", file=sys.stderr)
            continue
        print(f" Image {service.image} Pushed", file=sys.stderr)
