"""`compose watch`: `up`, then the services' `develop.watch` rules applied as files change: sync
(copied into the running containers, deletions removed), rebuild (image built, containers
recreated), restart, sync+restart, sync+exec; compose v2's messages. Changes are found by scanning
the watched paths twice a second (stat only) and handled once a scan finds nothing new."""

from __future__ import annotations

import argparse
import io
import os
import sys
import tarfile
import threading
import time

from dockyard.cli.compose import actions
from dockyard.cli.compose.views import project_containers
from dockyard.client import Client
from dockyard.client import containers as api
from dockyard.client import execs
from dockyard.compose.execute import Executor
from dockyard.compose.model import Project
from dockyard.compose.model.types import WatchRule
from dockyard.compose.plan import build_step
from dockyard.dockerfile.ignore import IgnoreMatcher
from dockyard.errors import InternalError, InvalidArgument

_SCAN_EVERY = 0.5  # seconds
Stamps = dict[str, tuple[int, int]]  # path → (mtime ns, size)


def scan(roots: list[str]) -> Stamps:
    stamps: Stamps = {}
    for root in roots:
        paths = [root] if not os.path.isdir(root) else \
            [os.path.join(d, f) for d, _, files in os.walk(root) for f in files]
        for path in paths:
            try:
                info = os.lstat(path)
            except FileNotFoundError:
                continue
            stamps[path] = (info.st_mtime_ns, info.st_size)
    return stamps


def changed(before: Stamps, after: Stamps) -> set[str]:
    return {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}


def matching(rule: WatchRule, path: str) -> str | None:
    """The path relative to the rule's, when the rule covers it and does not ignore it."""
    if path != rule.path and not path.startswith(rule.path.rstrip("/") + "/"):
        return None
    relative = os.path.relpath(path, rule.path) if path != rule.path else os.path.basename(path)
    if rule.ignore and IgnoreMatcher(list(rule.ignore)).ignored(relative):
        return None
    if rule.include and not IgnoreMatcher(list(rule.include)).ignored(relative):
        return None
    return relative


def go_strings(names: list[str]) -> str:
    """Go's %q of a []string: `["a" "b"]`."""
    return "[" + " ".join(f'"{n}"' for n in names) + "]"


def watch(client: Client, args, project: Project) -> int:
    watched = _watched(project, list(args.services))
    if not args.no_up:
        actions.up(client, _up_args(list(args.services)), project)
    try:
        _loop(client, project, watched)
    except KeyboardInterrupt:
        return 130
    return 0


def up_watching(client: Client, args, project: Project) -> int:
    """`up --watch`: the watch runs beside the attached `up`."""
    if args.watch:
        watched = _watched(project, list(args.services))
        threading.Thread(target=_loop, args=(client, project, watched), daemon=True).start()
    return actions.up(client, args, project)


def _watched(project: Project, names: list[str]) -> dict[str, list[WatchRule]]:
    watched = {n: project.service(n).watch for n in names or project.services if project.service(n).watch}
    if not watched:
        raise InvalidArgument("none of the selected services is configured for watch, consider setting a "
                              "'develop' section")
    for name, rules in watched.items():
        for rule in rules:
            if rule.action == "rebuild" and project.services[name].build is None:
                raise InvalidArgument(f"service {name} doesn't have a build section, can't apply rebuild on watch")
            if rule.action == "sync+exec" and not rule.command:
                raise InvalidArgument(f'can\'t watch with action "sync+exec" on service {name} without a command')
    return watched


def _loop(client: Client, project: Project, watched: dict[str, list[WatchRule]]) -> None:
    for name, rules in watched.items():
        for rule in rules:
            if rule.initial_sync and rule.action.startswith("sync"):
                _sync(client, project, name, rule, sorted(scan([rule.path])))
    roots = [rule.path for rules in watched.values() for rule in rules]
    stamps = scan(roots)  # before saying so: a change made once "Watch enabled" shows is seen
    print("Watch enabled", flush=True)
    pending: set[str] = set()
    while True:
        time.sleep(_SCAN_EVERY)
        now = scan(roots)
        fresh = changed(stamps, now)
        stamps = now
        if fresh:
            pending |= fresh
        elif pending:
            _handle(client, project, watched, sorted(pending))
            pending = set()


def _up_args(services: list[str], force: bool = False) -> argparse.Namespace:
    return argparse.Namespace(services=services, scale=[], force_recreate=force, no_recreate=False, no_start=False,
                              no_deps=force, remove_orphans=False, timeout=None, build=False, detach=True,
                              wait=False, wait_timeout=0, abort_on_container_exit=False, exit_code_from=None,
                              progress="plain", dry_run=False)


def _handle(client: Client, project: Project, watched: dict[str, list[WatchRule]], paths: list[str]) -> None:
    rebuild, restart = [], []
    for name, rules in watched.items():
        for rule in rules:
            hits = [p for p in paths if matching(rule, p) is not None]
            if not hits:
                continue
            if rule.action == "rebuild":
                rebuild.append(name)
                continue
            _sync(client, project, name, rule, hits)
            if rule.action == "sync+restart":
                restart.append(name)
            elif rule.action == "restart":
                restart.append(name)
            elif rule.action == "sync+exec":
                _exec(client, project, name, rule)
    try:
        if rebuild:
            _rebuild(client, project, list(dict.fromkeys(rebuild)))
        if restart:
            services = list(dict.fromkeys(restart))
            for container in project_containers(client, project.name, False, False, services):
                api.restart(client, container["Id"])
            print(f"service(s) {go_strings(services)} restarted", flush=True)
    except InternalError as err:
        print(f"Build failed. Error: {err}", flush=True)


def _sync(client: Client, project: Project, service: str, rule: WatchRule, paths: list[str]) -> None:
    if rule.action == "restart" or not rule.target:
        return
    print(f'Syncing service "{service}" after {len(paths)} changes were detected', flush=True)
    present = [p for p in paths if os.path.lexists(p)]
    gone = [p for p in paths if not os.path.lexists(p)]
    for container in project_containers(client, project.name, False, False, [service]):
        if present:
            api.put_archive(client, container["Id"], "/", iter([_tar(rule, present)]), copy_uid_gid=True)
        if gone:
            targets = [os.path.join(rule.target, matching(rule, p) or "") for p in gone]
            _run(client, container["Id"], ["rm", "-rf", *targets])


def _tar(rule: WatchRule, paths: list[str]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        for path in paths:
            tar.add(path, arcname=os.path.join(rule.target, matching(rule, path) or "").lstrip("/"), recursive=False)
    return out.getvalue()


def _exec(client: Client, project: Project, service: str, rule: WatchRule) -> None:
    for container in project_containers(client, project.name, False, False, [service]):
        code = _run(client, container["Id"], list(rule.command))
        if code:
            print(f"Error handling changed files: exit code {code}", file=sys.stderr, flush=True)


def _run(client: Client, container: str, command: list[str]) -> int:
    """A command in the container, waited for; its exit code."""
    exec_id = execs.create(client, container, {"Cmd": command, "AttachStdout": True, "AttachStderr": True})
    execs.start(client, exec_id, False).read()
    return int(execs.inspect(client, exec_id).get("ExitCode") or 0)


def _rebuild(client: Client, project: Project, services: list[str]) -> None:
    print(f"Rebuilding service(s) {go_strings(services)} after changes were detected...", flush=True)
    Executor(client).run([build_step(project.services[n]) for n in services])
    print(f"service(s) {go_strings(services)} successfully built", flush=True)
    actions.up(client, _up_args(services, force=True), project)
