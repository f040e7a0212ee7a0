"""`dockyard exec`: run a command in a running container; exit with the command's code."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys

from dockyard.cli import streams
from dockyard.cli.commands.create_body import env_entries
from dockyard.client import Client
from dockyard.client import containers as containers_api
from dockyard.client import execs as api
from dockyard.errors import InvalidArgument


def register(sub, container) -> None:
    for parent in (sub, container):
        p = parent.add_parser("exec", help="Execute a command in a running container")
        p.add_argument("-i", "--interactive", action="store_true")
        p.add_argument("-t", "--tty", action="store_true")
        p.add_argument("-d", "--detach", action="store_true")
        p.add_argument("-u", "--user", default="")
        p.add_argument("-w", "--workdir", default="")
        p.add_argument("-e", "--env", action="append", default=[])
        p.add_argument("--env-file", action="append", default=[])
        p.add_argument("--privileged", action="store_true")
        p.add_argument("--detach-keys", default="")
        p.add_argument("container")
        p.add_argument("command", nargs=argparse.REMAINDER)
        p.set_defaults(run=run_exec)


def exec_body(args, environ, console_size: tuple[int, int] | None) -> dict:
    """The body of `POST /containers/{id}/exec`, as the docker CLI sends it (pure)."""
    if not args.command:
        raise InvalidArgument("exec requires at least 2 arguments")
    body = {"User": args.user, "Privileged": args.privileged, "Tty": args.tty,
            "AttachStdin": args.interactive and not args.detach, "AttachStderr": not args.detach,
            "AttachStdout": not args.detach, "Detach": args.detach, "DetachKeys": args.detach_keys,
            "Env": env_entries(args.env, args.env_file, environ) or None, "WorkingDir": args.workdir,
            "Cmd": args.command}
    if args.tty:
        body["ConsoleSize"] = list(console_size or (0, 0))
    return body


def run_exec(client: Client, args) -> int:
    if args.tty and args.interactive and not args.detach and not os.isatty(0):
        print("the input device is not a TTY", file=sys.stderr)
        return 1
    containers_api.inspect(client, args.container)  # a clear 404 before anything else
    size = streams.terminal_size() if args.tty else None
    exec_id = api.create(client, args.container, exec_body(args, os.environ, size))
    if args.detach:
        api.start_detached(client, exec_id, args.tty)
        return 0
    sock, leftover = api.start(client, exec_id, args.tty, list(size) if size else None).hijacked_socket()
    pump = None
    with contextlib.ExitStack() as stack:
        if args.tty:
            stack.enter_context(streams.follow_resizes(lambda h, w: api.resize(client, exec_id, h, w)))
        stack.enter_context(streams.raw_terminal(args.tty and args.interactive))
        if args.interactive:
            keys = streams.parse_detach_keys(args.detach_keys or streams.DEFAULT_DETACH_KEYS)
            pump = streams.StdinPump(sock, keys if args.tty else None).start()
        else:
            streams.half_close(sock)
        streams.copy_output(sock, leftover, args.tty)
    sock.close()
    if pump and pump.detached:
        return 0
    return int(api.inspect(client, exec_id).get("ExitCode") or 0)
