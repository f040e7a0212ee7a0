"""The project-wide commands: up, down, start/stop/restart, ps, logs, config, pull."""

from __future__ import annotations

import signal
import sys
import threading
import time
from dataclasses import asdict

import yaml

from dockyard.cli.commands.images import split_tag
from dockyard.cli.commands.ps import row
from dockyard.cli.table import align
from dockyard.client import Client
from dockyard.client import containers as api
from dockyard.compose import labels as L
from dockyard.compose.execute import Executor
from dockyard.cli.compose.logs import LogPrinter, Source
from dockyard.compose.model import Project
from dockyard.compose.observe import observe
from dockyard.compose.plan import (UpOptions, build_step, dependency_order, orphans, plan_down, plan_lifecycle,
                                   plan_rm, plan_up)
from dockyard.errors import InternalError, InvalidArgument, NotFound


def up(client: Client, args, project: Project) -> int:
    options = UpOptions(tuple(args.services), parse_scale(args.scale), args.force_recreate, args.no_recreate,
                        args.no_start, args.no_deps, args.remove_orphans, args.timeout, args.build)
    observed = observe(client, project.name, with_images=builds(project))
    steps = plan_up(project, observed, options)
    left = [c.name for c in orphans(project, observed)]
    if left and not args.remove_orphans:
        print(f"WARN[0000] Found orphan containers ({', '.join(left)}) for this project. If you removed or "
              f"renamed this service in your compose file, you can run this command with the --remove-orphans "
              f"flag to clean it up.", file=sys.stderr)
    started = f"{time.time():.9f}"
    Executor(client, pull=lambda image: pull_image(client, image)).run(steps)
    if args.detach or args.no_start:
        return 0
    return _attach(client, project, args, started)


def _attach(client: Client, project: Project, args, since: str) -> int:
    """Foreground `up`: stream the containers' output from `since` until all have exited; Ctrl-C
    stops them."""
    names = set(dependency_order(project, list(args.services) or None, not args.no_deps))
    if args.exit_code_from:
        project.service(args.exit_code_from)
    seen = [c for c in observe(client, project.name).containers if c.service in names and not c.oneoff]
    sources = [Source(c.name, project.services[c.service].tty, since=since)
               for c in sorted(seen, key=lambda c: c.name)]
    printer = LogPrinter(client)
    done, all_done = threading.Event(), threading.Event()
    remaining = {s.name for s in sources}
    codes: dict[str, int] = {}  # container name → exit code, in the order they exited
    abort = args.abort_on_container_exit or bool(args.exit_code_from)

    def exited(name: str) -> None:
        codes[name] = api.inspect(client, name)["State"].get("ExitCode", 0)
        printer.write(f"{name} exited with code {codes[name]}\n")
        remaining.discard(name)
        if abort or not remaining:
            done.set()
        if not remaining:
            all_done.set()

    printer.stream(sources, follow=True, on_exit=exited)
    try:
        while not done.wait(0.5):
            pass
    except KeyboardInterrupt:
        print("Gracefully stopping... (press Ctrl+C again to force)", file=sys.stderr)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        _stop_all(client, project, names, args.timeout)
        all_done.wait(2)  # the last lines the containers wrote while stopping
        return 130
    if abort and remaining:
        print("Aborting on container exit...", file=sys.stderr)
        _stop_all(client, project, names, args.timeout)
        all_done.wait(10)
    if args.exit_code_from:
        service_of = {c.name: c.service for c in seen}
        return next((code for name, code in codes.items() if service_of[name] == args.exit_code_from), 0)
    return next(iter(codes.values()), 0) if abort else 0


def _stop_all(client: Client, project: Project, names: set[str], timeout: int | None) -> None:
    steps = plan_lifecycle("stop", project, observe(client, project.name), tuple(names), timeout)
    Executor(client).run(steps)


def down(client: Client, args, project: Project) -> int:
    steps = plan_down(project, observe(client, project.name), args.volumes, args.remove_orphans, args.timeout)
    Executor(client).run(steps)
    return 0


def lifecycle(client: Client, args, project: Project) -> int:
    action = args.compose_command
    steps = plan_lifecycle(action, project, observe(client, project.name), tuple(args.services),
                           getattr(args, "timeout", None), getattr(args, "signal", None))
    Executor(client).run(steps)
    return 0


def rm(client: Client, args, project: Project) -> int:
    steps = plan_rm(project, observe(client, project.name), tuple(args.services), args.stop, args.volumes)
    if not steps:
        print("No stopped containers", file=sys.stderr)
        return 0
    if not args.force:
        names = [s.target for s in steps if s.action == "remove_container"]
        print(f"Going to remove {', '.join(names)}", file=sys.stderr)
        if input("? Are you sure? [y/N] ").strip().lower() not in ("y", "yes"):
            return 0
    Executor(client).run(steps)
    return 0


def port(client: Client, args, project: Project) -> int:
    project.service(args.service)
    found = [c for c in observe(client, project.name).of_service(args.service) if c.number == args.index]
    if not found:
        raise NotFound(f"service \"{args.service}\" is not running")
    ports = api.inspect(client, found[0].name)["NetworkSettings"].get("Ports") or {}
    bindings = ports.get(f"{args.private_port}/{args.protocol}") or []
    if not bindings:
        raise NotFound(f"no port {args.private_port}/{args.protocol} for container {found[0].name}")
    print(f"{bindings[0].get('HostIp') or '0.0.0.0'}:{bindings[0]['HostPort']}")
    return 0


def ps(client: Client, args, project: Project) -> int:
    if args.list_services:
        print("\n".join(project.services))
        return 0
    wanted = set(args.services) or set(project.services) | set(project.disabled)
    listed = api.list_containers(client, all_=args.all, filters=L.project_filter(project.name, f"{L.ONEOFF}=False"))
    found = sorted((c for c in listed if (c.get("Labels") or {}).get(L.SERVICE) in wanted),
                   key=lambda c: c["Names"][0])
    if args.quiet:
        print("".join(c["Id"] + "\n" for c in found), end="")
        return 0
    now = time.time()
    rows = [["NAME", "IMAGE", "COMMAND", "SERVICE", "CREATED", "STATUS", "PORTS"]]
    for container in found:
        fields = row(container, True, now)
        rows.append([fields["Names"], fields["Image"], fields["Command"], container["Labels"][L.SERVICE],
                     fields["RunningFor"], fields["Status"], fields["Ports"]])
    sys.stdout.write(align(rows))
    return 0


def logs(client: Client, args, project: Project) -> int:
    wanted = set(args.services) or set(project.services)
    seen = [c for c in observe(client, project.name).containers if c.service in wanted]
    tty = {name: s.tty for name, s in project.services.items()}
    sources = [Source(c.name, tty.get(c.service, False), args.tail) for c in sorted(seen, key=lambda c: c.name)]
    printer = LogPrinter(client, timestamps=args.timestamps, prefix=not args.no_log_prefix)
    threads = printer.stream(sources, follow=args.follow)
    for thread in threads:
        while thread.is_alive():
            thread.join(0.5)
    return 0


def config(client: Client, args, project: Project) -> int:
    if args.services:
        print("\n".join(project.services))
    elif args.volumes:
        print("\n".join(project.volumes))
    elif not args.quiet:
        sys.stdout.write(yaml.safe_dump(_as_document(project), sort_keys=False))
    return 0


def _as_document(project: Project) -> dict:
    """The normalised model as YAML-able data (empty fields left out)."""
    def clean(value):
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items() if v not in (None, "", [], {}, (), False)}
        if isinstance(value, (list, tuple)):
            return [clean(v) for v in value]
        return value
    services = {}
    for name, service in project.services.items():
        body = asdict(service)
        body.pop("name")
        services[name] = clean(body)
        if not services[name].get("limits"):  # all at the daemon's defaults
            services[name].pop("limits", None)
    return {"name": project.name, "services": services,
            "networks": {k: clean(asdict(n)) for k, n in project.networks.items()},
            "volumes": {k: clean(asdict(v)) for k, v in project.volumes.items()}}


def builds(project: Project) -> bool:
    return any(s.build is not None for s in project.services.values())


def build(client: Client, args, project: Project) -> int:
    names = args.services or [n for n, s in project.services.items() if s.build is not None]
    Executor(client).run([build_step(project.service(n), args.no_cache) for n in names
                          if project.service(n).build is not None])
    return 0


def pull(client: Client, args, project: Project) -> int:
    for name in args.services or [n for n, s in project.services.items() if s.build is None]:
        image = project.service(name).image
        print(f" {name} Pulling", file=sys.stderr)
        pull_image(client, image)
        print(f" \u2714 {name} Pulled", file=sys.stderr)
    return 0


def pull_image(client: Client, image: str) -> None:
    repo, _, digest = image.partition("@")
    repo, tag = (repo, digest) if digest else split_tag(image)
    tag = tag or "latest"
    for message in api.pull(client, repo, tag):
        if "errorDetail" in message or "error" in message:
            raise InternalError((message.get("errorDetail") or {}).get("message") or message.get("error"))



def parse_scale(items: list[str]) -> dict[str, int]:
    scale = {}
    for item in items:
        service, sep, number = item.partition("=")
        if not sep or not number.isdigit():
            raise InvalidArgument(f"invalid scale specifier: {item!r} (expected SERVICE=NUM)")
        scale[service] = int(number)
    return scale
