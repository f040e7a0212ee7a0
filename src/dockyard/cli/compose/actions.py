"""The project-wide commands: up, down, start/stop/restart, ps, logs, config, pull."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time

from dockyard.cli.commands.images import split_tag
from dockyard.cli.commands.observe import relative_time
from dockyard.client import Client
from dockyard.client import containers as api
from dockyard.compose.execute import Executor
from dockyard.cli.compose.logs import LogPrinter, Source
from dockyard.compose.model import Project, syntax
from dockyard.compose.model.host import byte_size
from dockyard.compose.observe import observe
from dockyard.cli.compose.passthrough import push_images
from dockyard.cli.compose.views import project_containers
from dockyard.compose.plan import (Step, UpOptions, build_step, dependency_order, orphans,
                                   plan_down, plan_lifecycle, plan_rm, plan_up)
from dockyard.errors import DockyardError, InternalError, InvalidArgument, NotFound


def up(client: Client, args, project: Project) -> int:
    wait = getattr(args, "wait", False)
    if getattr(args, "menu", False):
        raise InvalidArgument("--menu: the interactive menu is not built in dockyard compose")
    options = UpOptions(tuple(args.services), parse_scale(args.scale), args.force_recreate, args.no_recreate,
                        args.no_start, args.no_deps, args.remove_orphans, args.timeout, args.build, wait,
                        getattr(args, "all_resources", False), getattr(args, "no_build", False),
                        getattr(args, "pull", "") or "", getattr(args, "always_recreate_deps", False),
                        getattr(args, "renew_anon_volumes", False))
    observed = observe(client, project.name, with_images=builds(project) or options.pull == "missing")
    steps = plan_up(project, observed, options)
    left = [c.name for c in orphans(project, observed)]
    if left and not args.remove_orphans:
        print(f"WARN[0000] Found orphan containers ({', '.join(left)}) for this project. If you removed or "
              f"renamed this service in your compose file, you can run this command with the --remove-orphans "
              f"flag to clean it up.", file=sys.stderr)
    started = f"{time.time():.9f}"
    executor = executor_for(client, args, pull=lambda image: pull_image(client, image))
    if wait and args.wait_timeout:
        executor.wait_until = (time.monotonic() + args.wait_timeout, go_duration(args.wait_timeout))
    executor.run(steps)
    if args.detach or args.no_start or wait:
        return 0
    return _attach(client, project, args, started)


def _attach(client: Client, project: Project, args, since: str) -> int:
    """Foreground `up`: stream the containers' output from `since` until all have exited; Ctrl-C
    stops them."""
    names = set(dependency_order(project, list(args.services) or None, not args.no_deps))
    if args.exit_code_from:
        project.service(args.exit_code_from)
    attached = _attached(project, args, names)
    seen = [c for c in observe(client, project.name).containers if c.service in attached and not c.oneoff]
    sources = [Source(c.name, project.services[c.service].tty, since=since, shown=shown_name(project.name, c))
               for c in sorted(seen, key=lambda c: c.name)]
    printer = LogPrinter(client, err=sys.stderr, timestamps=args.timestamps, prefix=not args.no_log_prefix)
    shown = {s.name: s.label for s in sources}
    print(f"Attaching to {', '.join(s.label for s in sources)}", flush=True)
    done, all_done = threading.Event(), threading.Event()
    remaining = {s.name for s in sources}
    codes: dict[str, int] = {}  # container name → exit code, in the order they exited
    abort = args.abort_on_container_exit or bool(args.exit_code_from)

    def exited(name: str) -> None:
        codes[name] = api.inspect(client, name)["State"].get("ExitCode", 0)
        printer.write(f"\r\x1b[K{shown[name]} exited with code {codes[name]}\n")  # compose v2's RESET_LINE first
        remaining.discard(name)
        if abort or not remaining or (args.abort_on_container_failure and codes[name] != 0):
            done.set()
        if not remaining:
            all_done.set()

    # Ctrl-C stops the project even when this process was started with SIGINT ignored (a
    # background job of a script), as Go's signal.Notify makes compose v2 do.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:  # from the first line shown: Ctrl-C may come as soon as the user sees output
        printer.stream(sources, follow=True, on_exit=exited)
        while not done.wait(0.5):
            pass
    except KeyboardInterrupt:
        print("Gracefully stopping... (press Ctrl+C again to force)", file=sys.stderr)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        _stop_all(client, project, names, args.timeout, args)
        all_done.wait(2)  # the last lines the containers wrote while stopping
        return 130
    if abort and remaining:
        print("Aborting on container exit...", file=sys.stderr)
        _stop_all(client, project, names, args.timeout, args)
        all_done.wait(10)
    if args.exit_code_from:
        service_of = {c.name: c.service for c in seen}
        return next((code for name, code in codes.items() if service_of[name] == args.exit_code_from), 0)
    return next(iter(codes.values()), 0) if abort else 0


def _attached(project: Project, args, started: set[str]) -> set[str]:
    """The services a foreground `up` shows: `--attach` ones, else those named (with their
    dependencies under `--attach-dependencies`), else all it started; less `--no-attach` ones."""
    if args.attach:
        chosen = set(args.attach)
    elif args.services and not args.attach_dependencies:
        chosen = set(args.services)
    else:
        chosen = set(started)
    return chosen - set(args.no_attach)


def executor_for(client: Client, args, pull=None) -> Executor:
    """An executor as the global flags ask: `--progress`, `--dry-run`."""
    progress = getattr(args, "progress", "plain") or "plain"
    return Executor(client, pull=pull, progress="plain" if progress == "auto" else progress,
                    dry_run=bool(getattr(args, "dry_run", False)))


def create(client: Client, args, project: Project) -> int:
    """`create`: `up --no-start`."""
    args.no_start, args.detach, args.no_deps, args.timeout = True, True, False, None
    return up(client, args, project)


def scale(client: Client, args, project: Project) -> int:
    """`scale web=3 db=1`: `up -d` of those services at those numbers, recreating nothing."""
    targets = parse_scale(args.services)
    for name in targets:
        project.service(name)
    ns = argparse.Namespace(**{**vars(args), "services": list(targets), "scale": args.services, "detach": True,
                               "force_recreate": False, "no_recreate": True, "no_start": False,
                               "remove_orphans": False, "timeout": None, "build": False})
    return up(client, ns, project)


def wait(client: Client, args, project: Project | None, name: str) -> int:
    """Block until the services' running containers stop; the exit status is the last one's."""
    running = project_containers(client, name, False, True, args.services)
    if not running:
        raise NotFound(f'no containers for project "{name}"')
    status = 0
    results: list[tuple[str, int]] = []
    threads = [threading.Thread(target=lambda c=c: results.append(
        (c["Id"], int((api.wait(client, c["Id"]).json() or {}).get("StatusCode", 0)))), daemon=True)
        for c in running]
    for thread in threads:
        thread.start()
    for thread in threads:
        while thread.is_alive():
            thread.join(0.5)
    for container_id, status in results:
        print(f'container "{container_id}" exited with status code {status}')
    if args.down_project:
        steps = plan_down(project, observe(client, name), remove_orphans=True) if project else []
        executor_for(client, args).run(steps)
    return status


def go_duration(seconds: float) -> str:
    """Go's time.Duration text for whole seconds: `5s`, `1m30s`, `1h0m0s`."""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes}m{secs}s"
    return f"{minutes}m{secs}s" if minutes else f"{secs}s"


def shown_name(project: str, seen) -> str:
    """compose v2's name in log prefixes: the container's without `<project>-`, unless it is a
    `container_name` of its own (kept whole)."""
    default = f"{project}-{seen.service}-{seen.number}"
    return seen.name[len(project) + 1:] if seen.name == default else seen.name


def _stop_all(client: Client, project: Project, names: set[str], timeout: int | None, args) -> None:
    steps = plan_lifecycle("stop", project, observe(client, project.name), tuple(names), timeout)
    executor_for(client, args).run(steps)


def down(client: Client, args, project: Project) -> int:
    observed = observe(client, project.name, with_images=bool(args.rmi))
    steps = plan_down(project, observed, args.volumes, args.remove_orphans, args.timeout, args.rmi or "")
    executor_for(client, args).run(steps)
    return 0


def lifecycle(client: Client, args, project: Project) -> int:
    action = args.compose_command
    observed = observe(client, project.name)
    steps = plan_lifecycle(action, project, observed, tuple(args.services), getattr(args, "timeout", None),
                           getattr(args, "signal", None), action == "restart" and not args.no_deps)
    if action == "kill" and args.remove_orphans:
        steps += [Step("kill_container", c.name, {"signal": args.signal}, c.service)
                  for c in orphans(project, observed) if c.running]
    if action == "start" and args.wait:
        steps += [Step("wait_running", c.name, {"completed": False}, c.service) for c in observed.containers
                  if not c.oneoff and (not args.services or c.service in args.services)]
    executor = executor_for(client, args)
    if action == "start" and args.wait and args.wait_timeout:
        executor.wait_until = (time.monotonic() + args.wait_timeout, go_duration(args.wait_timeout))
    executor.run(steps)
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
    executor_for(client, args).run(steps)
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


def logs(client: Client, args, project: Project) -> int:
    wanted = set(args.services) or set(project.services)
    seen = [c for c in observe(client, project.name).containers if c.service in wanted
            and (not args.index or c.number == args.index)]
    tty = {name: s.tty for name, s in project.services.items()}
    sources = [Source(c.name, tty.get(c.service, False), args.tail, since=relative_time(args.since),
                      shown=shown_name(project.name, c), until=relative_time(args.until))
               for c in sorted(seen, key=lambda c: c.name)]
    printer = LogPrinter(client, timestamps=args.timestamps, prefix=not args.no_log_prefix)
    threads = printer.stream(sources, follow=args.follow)
    for thread in threads:
        while thread.is_alive():
            thread.join(0.5)
    return 0


def builds(project: Project) -> bool:
    return any(s.build is not None for s in project.services.values())


_BUILDKIT_ONLY = ("builder", "check", "print", "provenance", "sbom", "ssh")


def build(client: Client, args, project: Project) -> int:
    """Build the services' images with the daemon's classic builder; BuildKit's options are refused."""
    for option in _BUILDKIT_ONLY:
        if getattr(args, option):
            raise InvalidArgument(f"--{option} needs BuildKit, which dockyard does not have")
    names = dependency_order(project, list(args.services) or None, args.with_dependencies)
    overrides = dict(syntax.mapping(args.build_arg, "--build-arg", null_from=dict(os.environ)))
    memory = byte_size(args.memory, "--memory") if args.memory else 0
    steps = [build_step(project.service(n), args.no_cache, overrides, args.pull, memory, args.quiet)
             for n in names if project.service(n).build is not None]
    executor_for(client, args).run(steps)
    if args.push:
        push_images(client, project, [s.service for s in steps], False)
    return 0


def pull(client: Client, args, project: Project) -> int:
    """Pull the services' images (`--include-deps`: their dependencies' too); a service that can
    build its image is pulled unless `--ignore-buildable`, and a failed pull of it only warns, as
    compose v2 does; `--policy missing` skips images already present."""
    names = dependency_order(project, list(args.services) or None, args.include_deps)
    present = observe(client, project.name, with_images=True) if args.policy == "missing" else None
    for name in names:
        service = project.services[name]
        if service.build is not None and (args.ignore_buildable or service.image == f"{project.name}-{name}"):
            continue
        if present is not None and present.has_image(service.image):
            continue
        if not args.quiet:
            print(f" Image {service.image} Pulling ", file=sys.stderr)
        try:
            pull_image(client, service.image)
        except DockyardError as err:
            if not (args.ignore_pull_failures or service.build is not None):
                raise
            print(f"WARN[0000] {err}", file=sys.stderr)
            continue
        if not args.quiet:
            print(f" Image {service.image} Pulled ", file=sys.stderr)
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
