"""`dockyard run|create|start|attach`: Docker's sequence create → attach (hijack) → wait → start,
then stream until the container is done and exit with its code."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from dataclasses import dataclass

from dockyard.cli import streams
from dockyard.cli.commands.create_body import build_create_body
from dockyard.cli.commands.create_flags import add_create_flags
from dockyard.cli.commands.images import split_tag
from dockyard.client import Client
from dockyard.client import containers as api
from dockyard.errors import DockyardError, InternalError, InvalidArgument, NotFound, NotModified

DAEMON_ERROR = 125
# Signals a non-TTY `run`/`attach` passes on to the container (--sig-proxy).
PROXIED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2)


def register(sub, container) -> None:
    for parent in (sub, container):
        run = parent.add_parser("run", help="Create and run a new container from an image", add_help=False)
        add_create_flags(run)
        run.add_argument("-d", "--detach", action="store_true")
        run.add_argument("--sig-proxy", type=_bool, default=True)
        run.add_argument("--detach-keys")
        run.set_defaults(run=run_run)
        create = parent.add_parser("create", help="Create a new container", add_help=False)
        add_create_flags(create)
        create.set_defaults(run=run_create, detach=False)
        start = parent.add_parser("start", help="Start one or more stopped containers")
        start.add_argument("-a", "--attach", action="store_true")
        start.add_argument("-i", "--interactive", action="store_true")
        start.add_argument("--detach-keys")
        start.add_argument("containers", nargs="+")
        start.set_defaults(run=run_start)
        attach = parent.add_parser("attach", help="Attach to a running container's input and output")
        attach.add_argument("--no-stdin", action="store_true")
        attach.add_argument("--sig-proxy", type=_bool, default=True)
        attach.add_argument("--detach-keys")
        attach.add_argument("container")
        attach.set_defaults(run=run_attach)


def _bool(text: str) -> bool:
    return text.lower() in ("1", "true", "yes")


def start_error_exit_code(message: str) -> int:
    """The exit code the docker CLI derives from a failed start (engine-api.md §3.3)."""
    if "executable file not found" in message or "no such file or directory" in message:
        return 127
    if "permission denied" in message or "is a directory" in message:
        return 126
    return DAEMON_ERROR


def _fail(err: DockyardError | str) -> None:
    print(f"dockyard: Error response from daemon: {err}", file=sys.stderr)


def _create(client: Client, args) -> str | None:
    """Create the container; its ID, or None after printing why not."""
    try:
        size = streams.terminal_size() if args.tty else None
        body = build_create_body(args, args.detach, os.environ, os.getcwd(), size)
    except (DockyardError, OSError) as err:
        print(f"dockyard: {err}", file=sys.stderr)
        return None
    if args.cidfile and os.path.exists(args.cidfile):
        print(f"dockyard: Container ID file found, make sure the other container isn't running or delete "
              f"{args.cidfile}", file=sys.stderr)
        return None
    try:
        if args.pull == "always":
            _pull(client, args.image, args.quiet, announce=False)
        try:
            created = api.create(client, body, args.name, args.platform)
        except NotFound as err:
            if "No such image" not in str(err) or args.pull != "missing":
                raise
            _pull(client, args.image, args.quiet)
            created = api.create(client, body, args.name, args.platform)
    except DockyardError as err:
        _fail(err)
        return None
    for warning in created.get("Warnings") or []:
        print(f"WARNING: {warning}", file=sys.stderr)
    if args.cidfile:
        with open(args.cidfile, "w") as f:
            f.write(created["Id"])
    return created["Id"]


def _pull(client: Client, image: str, quiet: bool, announce: bool = True) -> None:
    """Docker's pull-then-retry when `run`/`create` names an image the daemon does not have."""
    if "@" in image:
        repo, _, tag = image.partition("@")
        shown = image
    else:
        repo, given = split_tag(image)
        tag = given or "latest"
        shown = f"{repo}:{tag}"
    if announce:
        print(f"Unable to find image '{shown}' locally", file=sys.stderr)
    for message in api.pull(client, repo, tag):
        if "errorDetail" in message or "error" in message:
            raise InternalError((message.get("errorDetail") or {}).get("message") or message.get("error"))
        if "status" in message and not message.get("progressDetail") and not quiet:
            print(message["status"] + (f": {message['id']}" if message.get("id") else ""), file=sys.stderr)


def run_create(client: Client, args) -> int:
    container_id = _create(client, args)
    if container_id is None:
        return DAEMON_ERROR
    print(container_id)
    return 0


def run_run(client: Client, args) -> int:
    if args.tty and args.interactive and not args.detach and not os.isatty(0):
        print("the input device is not a TTY", file=sys.stderr)
        return 1
    container_id = _create(client, args)
    if container_id is None:
        return DAEMON_ERROR
    if args.detach:
        try:
            api.start(client, container_id)
        except DockyardError as err:
            _fail(err)
            return start_error_exit_code(str(err))
        print(container_id)
        return 0
    attach = {s.lower() for s in args.attach} or {"stdout", "stderr"} | ({"stdin"} if args.interactive else set())
    session = Session(container_id, args.tty, "stdin" in attach, args.detach_keys, args.sig_proxy)
    return session.run(client, "removed" if args.rm else "next-exit", attach)


def run_start(client: Client, args) -> int:
    if args.attach or args.interactive:
        if len(args.containers) > 1:
            raise InvalidArgument("you cannot start and attach multiple containers at once")
        info = api.inspect(client, args.containers[0])
        config = info["Config"]
        stdin = args.interactive and config.get("OpenStdin", False)
        session = Session(info["Id"], config.get("Tty", False), stdin, args.detach_keys, True)
        return session.run(client, "next-exit", {"stdout", "stderr"} | ({"stdin"} if stdin else set()))
    status = 0
    for name in args.containers:
        try:
            api.start(client, name)
            print(name)
        except DockyardError as err:
            print(f"Error response from daemon: {err}", file=sys.stderr)
            status = 1
    if status:
        print("Error: failed to start containers: " + ", ".join(args.containers), file=sys.stderr)
    return status


def run_attach(client: Client, args) -> int:
    info = api.inspect(client, args.container)
    state = info["State"]
    if not state.get("Running"):
        raise InvalidArgument("You cannot attach to a stopped container, start it first")
    if state.get("Paused"):
        raise InvalidArgument("You cannot attach to a paused container, unpause it first")
    config = info["Config"]
    stdin = not args.no_stdin and config.get("OpenStdin", False)
    session = Session(info["Id"], config.get("Tty", False), stdin, args.detach_keys, args.sig_proxy)
    return session.join(client)


@dataclass
class Session:
    """One container's stdio on our terminal: the attach connection plus the wait for its exit."""
    container_id: str
    tty: bool
    stdin: bool
    detach_keys: str | None
    sig_proxy: bool

    def run(self, client: Client, condition: str, streams_: set[str]) -> int:
        """Attach, wait, start, stream; the container's exit code (or Docker's 125/126/127)."""
        hijacked = None
        try:
            if streams_:
                hijacked = api.attach(client, self.container_id, self.stdin, "stdout" in streams_,
                                      "stderr" in streams_, detach_keys=self.detach_keys)
            waiter = api.wait(client, self.container_id, condition)
        except DockyardError as err:
            _fail(err)
            return DAEMON_ERROR
        try:
            api.start(client, self.container_id)
        except NotModified:
            pass  # `start -a` of a running container just attaches
        except DockyardError as err:
            _fail(err)
            if condition == "removed":
                with contextlib.suppress(DockyardError):
                    waiter.json()
            return start_error_exit_code(str(err))
        if hijacked is None:
            return self._exit_code(waiter)
        detached = self._stream(client, hijacked)
        return 0 if detached else self._exit_code(waiter)

    def join(self, client: Client) -> int:
        """Attach to a running container (`attach`)."""
        waiter = api.wait(client, self.container_id)
        hijacked = api.attach(client, self.container_id, self.stdin, detach_keys=self.detach_keys)
        detached = self._stream(client, hijacked)
        return 0 if detached else self._exit_code(waiter)

    def _stream(self, client: Client, hijacked) -> bool:
        """Copy until the daemon ends the stream; whether the user typed the detach keys."""
        sock, leftover = hijacked.hijacked_socket()
        pump = None
        with contextlib.ExitStack() as stack:
            if self.tty:
                stack.enter_context(streams.follow_resizes(
                    lambda h, w: api.resize(client, self.container_id, h, w)))
            elif self.sig_proxy:
                stack.enter_context(self._forward_signals(client))
            stack.enter_context(streams.raw_terminal(self.tty and self.stdin))
            if self.stdin:
                keys = streams.parse_detach_keys(self.detach_keys or streams.DEFAULT_DETACH_KEYS)
                pump = streams.StdinPump(sock, keys if self.tty else None).start()
            else:
                streams.half_close(sock)
            streams.copy_output(sock, leftover, self.tty)
        sock.close()
        return bool(pump and pump.detached)

    @contextlib.contextmanager
    def _forward_signals(self, client: Client):
        def forward(signum, _frame):
            with contextlib.suppress(DockyardError):
                api.kill(client, self.container_id, signal.Signals(signum).name[3:])
        previous = {sig: signal.signal(sig, forward) for sig in PROXIED_SIGNALS}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    @staticmethod
    def _exit_code(waiter) -> int:
        result = waiter.json() or {}
        if result.get("Error"):
            print(f"Error: {result['Error'].get('Message')}", file=sys.stderr)
            return DAEMON_ERROR
        return int(result.get("StatusCode", 0))
