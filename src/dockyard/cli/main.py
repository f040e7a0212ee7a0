"""`dockyard`: parse Docker's grammar, call the daemon, map errors to exit codes."""

import argparse
import signal
import sys

from dockyard.cli.commands import build, containers, disk_usage, images, networks, registry, system, volumes
from dockyard.client import Client
from dockyard.cli.compose import commands as compose
from dockyard.errors import DockyardError

_COMMAND_GROUPS = [system, images, registry, containers, volumes, networks, disk_usage, build, compose]


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="dockyard", description="A container engine that speaks Docker's API")
    p.add_argument("-H", "--host", help="daemon socket to connect to (or DOCKYARD_HOST / DOCKER_HOST)")
    sub = p.add_subparsers(dest="command", required=True)
    for group in _COMMAND_GROUPS:
        group.register(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    # Ctrl-C works even when we were started with SIGINT ignored (a background job of a
    # non-interactive shell inherits that), as with the docker CLI: Go's signal.Notify
    # un-ignores it. Foreground `compose up` and `run` stop on it.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    args = parser().parse_args(argv)
    client = Client(args.host)
    try:
        return args.run(client, args)
    except DockyardError as err:
        print(f"Error response from daemon: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
