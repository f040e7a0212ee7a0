"""`dockyard compose …`: the command line of multi-container applications (docker compose's
grammar); each command loads the project, then acts through `actions` or `oneoff`."""

from __future__ import annotations

import argparse
import os
import sys

from dockyard.cli.compose import actions, oneoff, passthrough, views, watch
from dockyard.cli.compose import config as config_cmd
from dockyard.compose.model import Project, load_project
from dockyard.compose.model.load import find_files, normalize_name
from dockyard.errors import InvalidArgument, NotFound


def register(sub) -> None:
    compose = sub.add_parser("compose", help="Define and run multi-container applications")
    compose.add_argument("-f", "--file", action="append", default=[], help="compose file(s)")
    compose.add_argument("-p", "--project-name", help="project name (default: the directory's name)")
    compose.add_argument("--project-directory", help="working directory (default: the first file's)")
    compose.add_argument("--profile", action="append", default=[], help="enable services of this profile")
    compose.add_argument("--env-file", action="append", default=[], help="an alternate environment file")
    compose.add_argument("--progress", choices=("auto", "tty", "plain", "json", "quiet"), default="auto",
                         help="progress output (tty: as plain; no interactive display here)")
    compose.add_argument("--ansi", choices=("never", "always", "auto"), default="auto",
                         help="ANSI control characters (dockyard compose prints no colours)")
    compose.add_argument("--parallel", type=int, default=-1, help="accepted; steps run one at a time")
    compose.add_argument("--dry-run", action="store_true", help="show the steps without making them")
    compose.add_argument("--all-resources", action="store_true", help="include networks and volumes no service uses")
    compose.add_argument("--compatibility", action="store_true", help=argparse.SUPPRESS)
    verbs = compose.add_subparsers(dest="compose_command", required=True)
    up = _verb(verbs, "up", watch.up_watching, "Create and start containers", services=True)
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
    up.add_argument("--wait", action="store_true", help="wait for services to be running|healthy (implies -d)")
    up.add_argument("--wait-timeout", type=int, default=0, help="maximum seconds to wait with --wait")
    up.add_argument("--abort-on-container-failure", action="store_true", help="stop all if one exits non-zero")
    up.add_argument("--always-recreate-deps", action="store_true", help="recreate the dependencies too")
    up.add_argument("--attach", action="append", default=[], metavar="SERVICE", help="show only these services")
    up.add_argument("--no-attach", action="append", default=[], metavar="SERVICE", help="don't show these")
    up.add_argument("--attach-dependencies", action="store_true", help="show the dependencies' output too")
    up.add_argument("--no-build", action="store_true", help="never build a missing image")
    up.add_argument("--no-color", action="store_true", help="(dockyard compose prints no colours)")
    up.add_argument("--no-log-prefix", action="store_true")
    up.add_argument("--pull", choices=("always", "missing", "never", "build"), default="")
    up.add_argument("--quiet-pull", action="store_true")
    up.add_argument("--quiet-build", action="store_true")
    up.add_argument("-V", "--renew-anon-volumes", action="store_true")
    up.add_argument("--timestamps", action="store_true")
    up.add_argument("-y", "--yes", action="store_true", help="(no prompt here to answer)")
    up.add_argument("--menu", type=_bool, nargs="?", const=True, default=False)
    up.add_argument("-w", "--watch", action="store_true", help="watch as `compose watch` does, while attached")
    create = _verb(verbs, "create", actions.create, "Creates containers for a service", services=True)
    create.add_argument("--build", action="store_true")
    create.add_argument("--force-recreate", action="store_true")
    create.add_argument("--no-recreate", action="store_true")
    create.add_argument("--remove-orphans", action="store_true")
    create.add_argument("--scale", action="append", default=[], metavar="SERVICE=NUM")
    create.add_argument("--no-build", action="store_true")
    create.add_argument("--pull", choices=("always", "missing", "never", "build"), default="")
    create.add_argument("--quiet-pull", action="store_true")
    create.add_argument("-y", "--yes", action="store_true")
    wait = _verb(verbs, "wait", actions.wait, "Block until containers of all (or specified) services stop.",
                 needs="name")
    wait.add_argument("services", nargs="+")
    wait.add_argument("--down-project", action="store_true", help="drop the project when the containers stop")
    down = _verb(verbs, "down", actions.down, "Stop and remove containers, networks (and volumes)")
    down.add_argument("-v", "--volumes", action="store_true")
    down.add_argument("--remove-orphans", action="store_true")
    down.add_argument("-t", "--timeout", type=int)
    down.add_argument("--rmi", choices=("local", "all"), help="remove images used by services")
    ps = _verb(verbs, "ps", views.ps, "List containers", services=True, needs="name")
    ps.add_argument("-a", "--all", action="store_true")
    ps.add_argument("-q", "--quiet", action="store_true")
    ps.add_argument("--services", dest="list_services", action="store_true")
    ps.add_argument("--format", default="")
    ps.add_argument("--filter", default="")
    ps.add_argument("--status", action="append", default=[])
    ps.add_argument("--no-trunc", action="store_true")
    ps.add_argument("--orphans", type=_bool, nargs="?", const=True, default=True)
    ls = _verb(verbs, "ls", views.ls, "List running compose projects", needs=None)
    ls.add_argument("-a", "--all", action="store_true")
    ls.add_argument("--filter", action="append", default=[])
    ls.add_argument("--format", default="table")
    ls.add_argument("-q", "--quiet", action="store_true")
    images = _verb(verbs, "images", views.images, "List images used by the created containers", services=True,
                   needs="name")
    images.add_argument("--format", default="table")
    images.add_argument("-q", "--quiet", action="store_true")
    _verb(verbs, "top", views.top, "Display the running processes", services=True, needs="name")
    version = _verb(verbs, "version", views.version, "Show the Docker Compose version information", needs=None)
    version.add_argument("-f", "--format", default="")
    version.add_argument("--short", action="store_true")
    logs = _verb(verbs, "logs", actions.logs, "View output from containers", services=True)
    logs.add_argument("-f", "--follow", action="store_true")
    logs.add_argument("-t", "--timestamps", action="store_true")
    logs.add_argument("-n", "--tail", default="all")
    logs.add_argument("--no-log-prefix", action="store_true")
    logs.add_argument("--index", type=int, default=0, help="the container of that number only")
    logs.add_argument("--no-color", action="store_true", help="(dockyard compose prints no colours)")
    logs.add_argument("--since", help="logs since a timestamp or a relative time (42m)")
    logs.add_argument("--until", help="logs before a timestamp or a relative time (42m)")
    for name, help_ in (("start", "Start services"), ("stop", "Stop services"), ("restart", "Restart services"),
                        ("kill", "Force stop service containers"), ("pause", "Pause services"),
                        ("unpause", "Unpause services")):
        verb = _verb(verbs, name, actions.lifecycle, help_, services=True)
        if name in ("stop", "restart"):
            verb.add_argument("-t", "--timeout", type=int)
        if name == "restart":
            verb.add_argument("--no-deps", action="store_true", help="don't restart the services' dependencies")
        if name == "kill":
            verb.add_argument("-s", "--signal", default="SIGKILL")
            verb.add_argument("--remove-orphans", action="store_true")
        if name == "start":
            verb.add_argument("--wait", action="store_true")
            verb.add_argument("--wait-timeout", type=int, default=0)
    rm = _verb(verbs, "rm", actions.rm, "Remove stopped service containers", services=True)
    rm.add_argument("-f", "--force", action="store_true", help="don't ask to confirm removal")
    rm.add_argument("-s", "--stop", action="store_true", help="stop the containers first")
    rm.add_argument("-v", "--volumes", action="store_true", help="remove their anonymous volumes")
    port = _verb(verbs, "port", actions.port, "Print the public port of a port binding")
    port.add_argument("--index", type=int, default=1)
    port.add_argument("--protocol", default="tcp")
    port.add_argument("service")
    port.add_argument("private_port")
    config = _verb(verbs, "config", config_cmd.config, "Print the normalised compose model")
    config.add_argument("--services", action="store_true")
    config.add_argument("--volumes", action="store_true")
    config.add_argument("-q", "--quiet", action="store_true")
    config.add_argument("--networks", action="store_true")
    config.add_argument("--images", action="store_true")
    config.add_argument("--profiles", action="store_true")
    config.add_argument("--hash", help="the config hash of these services (`*`: all)")
    config.add_argument("--environment", action="store_true", help="the environment used for interpolation")
    config.add_argument("--format", choices=("yaml", "json"), default="yaml")
    config.add_argument("-o", "--output", help="write to this file")
    for option in ("--no-interpolate", "--no-normalize", "--no-path-resolution", "--no-consistency",
                   "--no-env-resolution", "--resolve-image-digests", "--lock-image-digests", "--models"):
        config.add_argument(option, action="store_true", help="not supported: refused")
    config.add_argument("--variables", action="store_true", help="the variables the files use")
    config.set_defaults(run=lambda client, args: config_cmd.config_variables(project_files(args), _read)
                        if args.variables else config_cmd.config(client, args, load(args)))
    pull = _verb(verbs, "pull", actions.pull, "Pull service images", services=True)
    pull.add_argument("--ignore-buildable", action="store_true")
    pull.add_argument("--ignore-pull-failures", action="store_true")
    pull.add_argument("--include-deps", action="store_true")
    pull.add_argument("--policy", choices=("missing", "always"), default="always")
    pull.add_argument("-q", "--quiet", action="store_true")
    build = _verb(verbs, "build", actions.build, "Build service images", services=True)
    build.add_argument("--no-cache", action="store_true")
    build.add_argument("--build-arg", action="append", default=[], metavar="KEY=VALUE")
    build.add_argument("--pull", action="store_true", help="always pull the base images")
    build.add_argument("-q", "--quiet", action="store_true")
    build.add_argument("--with-dependencies", action="store_true", help="build the dependencies' images too")
    build.add_argument("-m", "--memory", help="memory limit of the build's RUN containers")
    build.add_argument("--push", action="store_true", help="push the images once built")
    for option in ("--builder", "--ssh"):
        build.add_argument(option, help="BuildKit only: refused")
    for option in ("--check", "--print", "--provenance", "--sbom"):
        build.add_argument(option, nargs="?", const=True, default=None, help="BuildKit only: refused")
    scale = _verb(verbs, "scale", actions.scale, "Scale services")
    scale.add_argument("--no-deps", action="store_true")
    scale.add_argument("services", nargs="+", metavar="SERVICE=REPLICAS")
    volumes_ = _verb(verbs, "volumes", views.volumes, "List volumes", services=True, needs="name")
    volumes_.add_argument("--format", default="table")
    volumes_.add_argument("-q", "--quiet", action="store_true")
    cp = _verb(verbs, "cp", passthrough.cp, "Copy files/folders between a service container and the local "
                                              "filesystem", needs="name")
    cp.add_argument("--all", action="store_true", help="include containers created by the run command")
    cp.add_argument("-a", "--archive", action="store_true", help="archive mode (copy all uid/gid information)")
    cp.add_argument("-L", "--follow-link", action="store_true", help="always follow symbol link in SRC_PATH")
    cp.add_argument("--index", type=int, default=0, help="index of the container if service has multiple replicas")
    cp.add_argument("source")
    cp.add_argument("destination")
    attach = _verb(verbs, "attach", passthrough.attach, "Attach local standard input, output, and error streams "
                                                        "to a service's running container", needs="name")
    attach.add_argument("--detach-keys", default=None)
    attach.add_argument("--index", type=int, default=0)
    attach.add_argument("--no-stdin", action="store_true")
    attach.add_argument("--sig-proxy", type=_bool, nargs="?", const=True, default=True)
    attach.add_argument("service")
    stats = _verb(verbs, "stats", passthrough.stats, "Display a live stream of container(s) resource usage "
                                                     "statistics", needs="name")
    stats.add_argument("-a", "--all", action="store_true")
    stats.add_argument("--format", default=None)
    stats.add_argument("--no-stream", action="store_true")
    stats.add_argument("--no-trunc", action="store_true")
    stats.add_argument("service", nargs="?")
    events = _verb(verbs, "events", passthrough.events, "Receive real time events from containers", services=True,
                   needs="name")
    events.add_argument("--json", action="store_true", help="output events as a stream of json objects")
    events.add_argument("--since", help="show all events created since timestamp")
    events.add_argument("--until", help="stream events until this timestamp")
    export = _verb(verbs, "export", passthrough.export, "Export a service container's filesystem as a tar "
                                                        "archive", needs="name")
    export.add_argument("--index", type=int, default=0)
    export.add_argument("-o", "--output")
    export.add_argument("service")
    commit = _verb(verbs, "commit", passthrough.commit, "Create a new image from a service container's changes",
                   needs="name")
    commit.add_argument("-a", "--author", default="")
    commit.add_argument("-c", "--change", action="append", default=[])
    commit.add_argument("--index", type=int, default=0)
    commit.add_argument("-m", "--message", default="")
    commit.add_argument("-p", "--pause", type=_bool, nargs="?", const=True, default=True)
    commit.add_argument("service")
    commit.add_argument("reference", nargs="?")
    push = _verb(verbs, "push", passthrough.push, "Push service images", services=True)
    push.add_argument("--ignore-push-failures", action="store_true")
    push.add_argument("--include-deps", action="store_true")
    push.add_argument("-q", "--quiet", action="store_true")
    watch_ = _verb(verbs, "watch", watch.watch, "Watch build context for service and rebuild/refresh containers "
                                                 "when files are updated", services=True)
    watch_.add_argument("--no-up", action="store_true", help="do not build & start services before watching")
    watch_.add_argument("--prune", type=_bool, nargs="?", const=True, default=True,
                        help="prune dangling images on rebuild")
    watch_.add_argument("--quiet", action="store_true", help="hide build output")
    ex = _verb(verbs, "exec", oneoff.exec_, "Execute a command in a running service container")
    ex.add_argument("-T", "--no-TTY", "--no-tty", dest="no_tty", action="store_true")
    ex.add_argument("--privileged", action="store_true")
    ex.add_argument("--index", type=int, default=1)
    _command_flags(ex)
    run = _verb(verbs, "run", oneoff.run, "Run a one-off command on a service")
    run.add_argument("-T", "--no-TTY", "--no-tty", dest="no_tty", action="store_true")
    run.add_argument("--rm", action="store_true")
    run.add_argument("--name")
    run.add_argument("--entrypoint")
    run.add_argument("--no-deps", action="store_true")
    run.add_argument("--service-ports", action="store_true", help="publish the service's ports")
    run.add_argument("-p", "--publish", action="append", default=[], help="publish a container's port")
    run.add_argument("--build", action="store_true", help="build the image before starting")
    run.add_argument("--cap-add", action="append", default=[])
    run.add_argument("--cap-drop", action="append", default=[])
    run.add_argument("--env-from-file", action="append", default=[])
    run.add_argument("-i", "--interactive", type=_bool, nargs="?", const=True, default=True)
    run.add_argument("-l", "--label", action="append", default=[])
    run.add_argument("--pull", choices=("always", "missing", "never", "build"), default="")
    run.add_argument("-q", "--quiet", action="store_true")
    run.add_argument("--quiet-build", action="store_true")
    run.add_argument("--quiet-pull", action="store_true")
    run.add_argument("--remove-orphans", action="store_true")
    run.add_argument("--use-aliases", action="store_true", help="the service's network aliases for the one-off")
    run.add_argument("-v", "--volume", action="append", default=[])
    _command_flags(run)


def _verb(verbs, name: str, action, help_: str, services: bool = False,
          needs: str | None = "project") -> argparse.ArgumentParser:
    """`needs`: "project" (the files must load), "name" (the project if its files load, else just
    its name from -p or the directory, as compose v2's projectOrName), None (no project)."""
    parser = verbs.add_parser(name, help=help_)
    if services:
        parser.add_argument("services", nargs="*")
    if needs == "project":
        parser.set_defaults(run=lambda client, args: action(client, args, load(args)))
    elif needs == "name":
        parser.set_defaults(run=lambda client, args: action(client, args, *project_or_name(args)))
    else:
        parser.set_defaults(run=action)
    return parser


def _bool(text: str) -> bool:
    if text.lower() not in ("true", "false", "1", "0"):
        raise argparse.ArgumentTypeError(f"invalid boolean {text!r}")
    return text.lower() in ("true", "1")


def project_or_name(args) -> tuple[Project | None, str]:
    """The project when its files are found; without files, the name -p (or the directory) gives."""
    try:
        project = load(args)
    except NotFound:
        if not (args.project_name or os.environ.get("COMPOSE_PROJECT_NAME")) or args.file:
            raise
        return None, normalize_name(args.project_name or os.environ["COMPOSE_PROJECT_NAME"])
    return project, project.name


def _command_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-d", "--detach", action="store_true")
    parser.add_argument("-e", "--env", action="append", default=[])
    parser.add_argument("-u", "--user", default="")
    parser.add_argument("-w", "--workdir", default="")
    parser.add_argument("service")
    parser.add_argument("command", nargs=argparse.REMAINDER)


def project_files(args) -> list[str]:
    """-f files, or the compose file found from the (project) directory and its override."""
    directory = args.project_directory or os.getcwd()
    return [os.path.abspath(f) for f in args.file] or find_files(directory, os.path.exists)


def load(args) -> Project:
    """The project the global flags name: files (-f or found from the directory), name (-p)."""
    files = project_files(args)
    if args.compatibility:
        raise InvalidArgument("--compatibility (docker-compose v1's names) is not supported by dockyard compose")
    if args.ansi == "always":
        raise InvalidArgument("--ansi always: dockyard compose prints no ANSI colours")
    if args.progress == "tty":
        args.progress = "plain"  # the interactive display is not built; tty output is plain lines
    try:
        project = load_project(files, _read, os.environ, args.project_name, tuple(args.profile),
                               os.path.abspath(args.project_directory) if args.project_directory else None,
                               tuple(os.path.abspath(f) for f in args.env_file))
    except (InvalidArgument, NotFound) as err:  # the files' fault, not the daemon's: said as compose v2 says it
        if isinstance(err, NotFound) and "no configuration file" in str(err):
            raise
        print(err, file=sys.stderr)
        raise SystemExit(1) from None
    for warning in project.warnings:
        print(f"WARN[0000] {warning}", file=sys.stderr)
    return project


def _read(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    with open(path) as f:
        return f.read()

