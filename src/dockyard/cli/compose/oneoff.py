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
from dockyard.compose import file_refs, labels as L
from dockyard.cli.compose.actions import executor_for, pull_image
from dockyard.compose.container_spec import container_body
from dockyard.compose.model import Project, syntax
from dockyard.compose.observe import observe
from dockyard.compose.model.interpolate import parse_env_file
from dockyard.compose.plan import Step, build_step, orphans, plan_run
from dockyard.errors import NotFound


def exec_(client: Client, args, project: Project) -> int:
    project.service(args.service)
    running = [c for c in observe(client, project.name).of_service(args.service) if c.running]
    target = next((c for c in running if c.number == args.index), None)
    if target is None:
        raise NotFound(f"service \"{args.service}\" is not running")
    tty = not args.no_tty and os.isatty(0)
    exec_args = argparse.Namespace(interactive=not args.detach, tty=tty, detach=args.detach, user=args.user,
                                   workdir=args.workdir, env=args.env, env_file=[], privileged=args.privileged,
                                   detach_keys="", container=target.name, command=args.command)
    return run_exec(client, exec_args)


def run(client: Client, args, project: Project) -> int:
    service = project.service(args.service)
    executor = executor_for(client, args, pull=lambda image: pull_image(client, image))
    if args.quiet or args.quiet_pull or args.quiet_build:
        executor.progress = "quiet"
    observed = observe(client, project.name, with_images=True)
    steps = plan_run(project, observed, args.service, args.no_deps)
    if args.build and service.build is not None and not any(s.action == "build_image" for s in steps):
        steps.insert(0, build_step(service))
    if args.pull == "always" or (args.pull == "missing" and not observed.has_image(service.image)):
        steps.insert(0, Step("pull_image", service.image, service=service.name))
    if args.remove_orphans:
        steps += [Step("remove_container", c.name, {"volumes": False}, c.service) for c in orphans(project, observed)]
    executor.run(steps)
    name = args.name or f"{project.name}-{service.name}-run-{secrets.token_hex(6)}"
    body = one_off_body(project, args, os.isatty(0), name)
    executor.out = io.StringIO()  # docker compose run shows only the command's output
    executor.run([Step("create_container", name, body, service.name, service.platform,
                       file_refs.injected(project, service))])
    container_id = executor.created[name]
    if args.detach:
        api.start(client, container_id)
        print(name)
        return 0
    streams = {"stdout", "stderr", "stdin"} if args.interactive else {"stdout", "stderr"}
    session = Session(container_id, body["Tty"], args.interactive, None, True)
    return session.run(client, "removed" if args.rm else "next-exit", streams)


def one_off_body(project: Project, args, stdin_is_tty: bool, name: str) -> dict:
    """The service's create body made one-off: its command, no published ports, no restart, its
    own name its only network alias (the service's too with `--use-aliases`), as compose v2."""
    service = project.service(args.service)
    body = container_body(project, service, 1, oneoff=True)
    body["Labels"] = {**body["Labels"], L.ONEOFF: "True", **syntax.mapping(args.label, "--label")}
    for endpoint in body["NetworkingConfig"]["EndpointsConfig"].values():
        endpoint["Aliases"] = [name] + (endpoint["Aliases"][1:] if args.use_aliases else [])
    for path in args.env_from_file:
        body["Env"] = body["Env"] + [f"{k}={v}" for k, v in parse_env_file(_read(path), path).items()]
    if args.command:
        body["Cmd"] = args.command
    if args.entrypoint is not None:
        body["Entrypoint"] = shlex.split(args.entrypoint)
    body["Env"] = body["Env"] + [e if "=" in e else f"{e}={os.environ.get(e, '')}" for e in args.env]
    body.update({k: v for k, v in (("User", args.user), ("WorkingDir", args.workdir)) if v})
    tty = not args.no_tty and stdin_is_tty and not args.detach
    stdin = args.interactive and not args.detach
    body.update({"Tty": tty, "OpenStdin": stdin, "StdinOnce": stdin, "AttachStdin": stdin,
                 "AttachStdout": not args.detach, "AttachStderr": not args.detach})
    ports = body["HostConfig"].get("PortBindings", {}) if args.service_ports else {}
    for port in syntax.ports(args.publish, "--publish"):
        ports.setdefault(f"{port.target}/{port.protocol}", []).append({"HostIp": port.host_ip,
                                                                       "HostPort": port.published})
    if args.publish or args.service_ports:
        body["ExposedPorts"] = {**body.get("ExposedPorts", {}), **{key: {} for key in ports}}
    host = {**body["HostConfig"], "PortBindings": ports, "RestartPolicy": {"Name": "no"}, "AutoRemove": args.rm}
    if args.cap_add or args.cap_drop:
        host["CapAdd"] = [*host.get("CapAdd", []), *args.cap_add] or None
        host["CapDrop"] = [*host.get("CapDrop", []), *args.cap_drop] or None
    for mount in syntax.volumes(args.volume, f"services.{service.name}", project.working_dir, set(project.volumes)):
        if mount.type == "bind":
            bind = f"{mount.source}:{mount.target}" + (":ro" if mount.read_only else "")
            host["Binds"] = [*host.get("Binds", []), bind]
        else:
            source = project.volumes[mount.source].name if mount.source else ""
            host["Mounts"] = [*host.get("Mounts", []), {"Type": "volume", "Source": source, "Target": mount.target,
                                                        "ReadOnly": mount.read_only}]
    body["HostConfig"] = host
    return body


def _read(path: str) -> str:
    with open(path) as f:
        return f.read()
