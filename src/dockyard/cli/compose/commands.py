"""`dockyard compose …`: the command line of multi-container applications (docker compose's
grammar); each command loads the project, then acts through `actions` or `oneoff`."""

from __future__ import annotations

import argparse
import os
import sys

from dockyard.cli.compose import actions, oneoff
from dockyard.compose.model import Project, load_project
from dockyard.compose.model.load import find_files


def register(sub) -> None:
    compose = sub.add_parser("compose", help="Define and run multi-container applications")
    compose.add_argument("-f", "--file", action="append", default=[], help="compose file(s)")
    compose.add_argument("-p", "--project-name", help="project name (default: the directory's name)")
    compose.add_argument("--project-directory", help="working directory (default: the first file's)")
    compose.add_argument("--profile", action="append", default=[], help="enable services of this profile")
    verbs = compose.add_subparsers(dest="compose_command", required=True)
    up = _verb(verbs, "up", actions.up, "Create and start containers", services=True)
    up.add_argument("-d", "--detach", action="store_true")
    up.add_argument("--scale", action="append", default=[], metavar="SERVICE=NUM")
    up.add_argument("--force-recreate", action="store_true")
    up.add_argument("--no-recreate", action="store_true")
    up.add_argument("--no-start", action="store_true")
    up.add_argument("--no-deps", action="store_true")
    up.add_argument("--remove-orphans", action="store_true")
    up.add_argument("-t", "--timeout", type=int)
    up.add_argument("--build", action="store_true", help="build images before starting containers")
    up.add_argument("--abort-on-container-exit", action="store_true", help="stop all when one container exits")
    up.add_argument("--exit-code-from", metavar="SERVICE", help="exit with this service's code (implies the above)")
    down = _verb(verbs, "down", actions.down, "Stop and remove containers, networks (and volumes)")
    down.add_argument("-v", "--volumes", action="store_true")
    down.add_argument("--remove-orphans", action="store_true")
    down.add_argument("-t", "--timeout", type=int)
    ps = _verb(verbs, "ps", actions.ps, "List containers", services=True)
    ps.add_argument("-a", "--all", action="store_true")
    ps.add_argument("-q", "--quiet", action="store_true")
    ps.add_argument("--services", dest="list_services", action="store_true")
    logs = _verb(verbs, "logs", actions.logs, "View output from containers", services=True)
    logs.add_argument("-f", "--follow", action="store_true")
    logs.add_argument("-t", "--timestamps", action="store_true")
    logs.add_argument("-n", "--tail", default="all")
    logs.add_argument("--no-log-prefix", action="store_true")
    for name, help_ in (("start", "Start services"), ("stop", "Stop services"), ("restart", "Restart services"),
                        ("kill", "Force stop service containers"), ("pause", "Pause services"),
                        ("unpause", "Unpause services")):
        verb = _verb(verbs, name, actions.lifecycle, help_, services=True)
        if name in ("stop", "restart"):
            verb.add_argument("-t", "--timeout", type=int)
        if name == "kill":
            verb.add_argument("-s", "--signal", default="SIGKILL")
    rm = _verb(verbs, "rm", actions.rm, "Remove stopped service containers", services=True)
    rm.add_argument("-f", "--force", action="store_true", help="don't ask to confirm removal")
    rm.add_argument("-s", "--stop", action="store_true", help="stop the containers first")
    rm.add_argument("-v", "--volumes", action="store_true", help="remove their anonymous volumes")
    port = _verb(verbs, "port", actions.port, "Print the public port of a port binding")
    port.add_argument("--index", type=int, default=1)
    port.add_argument("--protocol", default="tcp")
    port.add_argument("service")
    port.add_argument("private_port")
    config = _verb(verbs, "config", actions.config, "Print the normalised compose model")
    config.add_argument("--services", action="store_true")
    config.add_argument("--volumes", action="store_true")
    config.add_argument("-q", "--quiet", action="store_true")
    _verb(verbs, "pull", actions.pull, "Pull service images", services=True)
    build = _verb(verbs, "build", actions.build, "Build service images", services=True)
    build.add_argument("--no-cache", action="store_true")
    ex = _verb(verbs, "exec", oneoff.exec_, "Execute a command in a running service container")
    ex.add_argument("-T", "--no-TTY", dest="no_tty", action="store_true")
    ex.add_argument("--index", type=int, default=1)
    _command_flags(ex)
    run = _verb(verbs, "run", oneoff.run, "Run a one-off command on a service")
    run.add_argument("-T", "--no-TTY", dest="no_tty", action="store_true")
    run.add_argument("--rm", action="store_true")
    run.add_argument("--name")
    run.add_argument("--entrypoint")
    run.add_argument("--no-deps", action="store_true")
    _command_flags(run)


def _verb(verbs, name: str, action, help_: str, services: bool = False) -> argparse.ArgumentParser:
    parser = verbs.add_parser(name, help=help_)
    if services:
        parser.add_argument("services", nargs="*")
    parser.set_defaults(run=lambda client, args: action(client, args, load(args)))
    return parser


def _command_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-d", "--detach", action="store_true")
    parser.add_argument("-e", "--env", action="append", default=[])
    parser.add_argument("-u", "--user", default="")
    parser.add_argument("-w", "--workdir", default="")
    parser.add_argument("service")
    parser.add_argument("command", nargs=argparse.REMAINDER)


def load(args) -> Project:
    """The project the global flags name: files (-f or found from the directory), name (-p)."""
    directory = args.project_directory or os.getcwd()
    files = [os.path.abspath(f) for f in args.file] or find_files(directory, os.path.exists)
    project = load_project(files, _read, os.environ, args.project_name, tuple(args.profile),
                           os.path.abspath(args.project_directory) if args.project_directory else None)
    for warning in project.warnings:
        print(f"WARN[0000] {warning}", file=sys.stderr)
    return project


def _read(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    with open(path) as f:
        return f.read()

