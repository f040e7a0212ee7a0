"""`compose exec` (a command in a service's running container) and `compose run` (a one-off
container of a service, its dependencies started first)."""

from __future__ import annotations

import argparse
import os
import io
import secrets
import shlex

from dockyard.cli.commands.exec import run_exec
from dockyard.cli.commands.run import Session
from dockyard.client import Client
from dockyard.client import containers as api
from dockyard.compose import labels as L
from dockyard.cli.compose.actions import builds, pull_image
from dockyard.compose.container_spec import container_body
from dockyard.compose.execute import Executor
from dockyard.compose.model import Project
from dockyard.compose.observe import observe
from dockyard.compose.plan import Step, plan_run
from dockyard.errors import NotFound


def exec_(client: Client, args, project: Project) -> int:
    project.service(args.service)
    running = [c for c in observe(client, project.name).of_service(args.service) if c.running]
    target = next((c for c in running if c.number == args.index), None)
    if target is None:
        raise NotFound(f"service \"{args.service}\" is not running")
    tty = not args.no_tty and os.isatty(0)
    exec_args = argparse.Namespace(interactive=not args.detach, tty=tty, detach=args.detach, user=args.user,
                                   workdir=args.workdir, env=args.env, env_file=[], privileged=False,
                                   detach_keys="", container=target.name, command=args.command)
    return run_exec(client, exec_args)


def run(client: Client, args, project: Project) -> int:
    service = project.service(args.service)
    executor = Executor(client, pull=lambda image: pull_image(client, image))
    observed = observe(client, project.name, with_images=builds(project))
    executor.run(plan_run(project, observed, args.service, args.no_deps))
    name = args.name or f"{project.name}-{service.name}-run-{secrets.token_hex(6)}"
    body = one_off_body(project, args, os.isatty(0))
    executor.out = io.StringIO()  # docker compose run shows only the command's output
    executor.run([Step("create_container", name, body, service.name, service.platform)])
    container_id = executor.created[name]
    if args.detach:
        api.start(client, container_id)
        print(name)
        return 0
    streams = {"stdout", "stderr", "stdin"}
    session = Session(container_id, body["Tty"], True, None, True)
    return session.run(client, "removed" if args.rm else "next-exit", streams)


def one_off_body(project: Project, args, stdin_is_tty: bool) -> dict:
    """The service's create body made one-off: its command, no published ports, no restart."""
    body = container_body(project, project.service(args.service), 1, oneoff=True)
    body["Labels"] = {**body["Labels"], L.ONEOFF: "True"}
    if args.command:
        body["Cmd"] = args.command
    if args.entrypoint is not None:
        body["Entrypoint"] = shlex.split(args.entrypoint)
    body["Env"] = body["Env"] + [e if "=" in e else f"{e}={os.environ.get(e, '')}" for e in args.env]
    body.update({k: v for k, v in (("User", args.user), ("WorkingDir", args.workdir)) if v})
    tty = not args.no_tty and stdin_is_tty and not args.detach
    body.update({"Tty": tty, "OpenStdin": not args.detach, "StdinOnce": not args.detach,
                 "AttachStdin": not args.detach, "AttachStdout": not args.detach,
                 "AttachStderr": not args.detach})
    host = {**body["HostConfig"], "PortBindings": {}, "RestartPolicy": {"Name": "no"}, "AutoRemove": args.rm}
    body["HostConfig"] = host
    return body
