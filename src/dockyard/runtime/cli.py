"""runc-compatible command line for the built-in runtime.

python -m dockyard.runtime [--root DIR] [--log FILE --log-format json]
    create --bundle B [--pid-file P] [--console-socket S] ID | start ID | state ID
    kill [--all] ID [SIGNAL] | delete [--force] ID | run --bundle B [--detach] ID
    exec --process process.json [--pid-file P] [--console-socket S] [--detach] ID
    pause ID | resume ID | list | update --resources R.json ID | ps [--format json] ID
Errors go to stderr and, with --log, as JSON lines ({"level":"error","msg":...}) like runc's.
"""

import argparse
import json
import os
import signal
import sys
import time

from dockyard.errors import DockyardError
from dockyard.oci.signals import parse_signal
from dockyard.runtime.builtin import DEFAULT_ROOT, BuiltinRuntime


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="dockyard-runtime")
    p.add_argument("--root", default=DEFAULT_ROOT)
    p.add_argument("--log")
    p.add_argument("--log-format", default="text")
    p.add_argument("--debug", action="store_true")
    p.add_argument("--systemd-cgroup", action="store_true")
    sub = p.add_subparsers(dest="command", required=True)
    for name in ("create", "run"):
        cmd = sub.add_parser(name)
        cmd.add_argument("--bundle", "-b", default=".")
        cmd.add_argument("--pid-file")
        cmd.add_argument("--console-socket")
        cmd.add_argument("--no-pivot", action="store_true")
        cmd.add_argument("--no-new-keyring", action="store_true")
        cmd.add_argument("--detach", "-d", action="store_true")
        cmd.add_argument("id")
    for name in ("start", "state", "pause", "resume"):
        sub.add_parser(name).add_argument("id")
    kill = sub.add_parser("kill")
    kill.add_argument("--all", "-a", action="store_true")
    kill.add_argument("id")
    kill.add_argument("signal", nargs="?", default="SIGTERM")
    delete = sub.add_parser("delete")
    delete.add_argument("--force", "-f", action="store_true")
    delete.add_argument("id")
    ex = sub.add_parser("exec")
    ex.add_argument("--process", "-p")
    ex.add_argument("--pid-file")
    ex.add_argument("--console-socket")
    ex.add_argument("--detach", "-d", action="store_true")
    ex.add_argument("--tty", "-t", action="store_true")
    ex.add_argument("id")
    ex.add_argument("args", nargs=argparse.REMAINDER)
    sub.add_parser("list")
    update = sub.add_parser("update")
    update.add_argument("--resources", "-r", required=True)
    update.add_argument("id")
    ps = sub.add_parser("ps")
    ps.add_argument("--format", "-f", default="table")
    ps.add_argument("id")
    return p


def _exec_process(runtime: BuiltinRuntime, args) -> dict:
    if args.process:
        with open(args.process) as f:
            return json.load(f)
    process = dict(runtime.store.load(args.id).spec["process"])
    process.update(args=args.args, terminal=args.tty)
    return process


def _wait(pid: int) -> int:
    """Wait for our child, forwarding the signals a user sends us, as `runc run` does."""
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(sig, lambda s, _f: os.kill(pid, s))
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    return 128 - code if code < 0 else code


def run_command(runtime: BuiltinRuntime, args) -> int:
    cmd = args.command
    if cmd == "create":
        runtime.create(args.id, args.bundle, pid_file=args.pid_file, console_socket=args.console_socket)
    elif cmd == "run" and args.detach:
        runtime.create(args.id, args.bundle, pid_file=args.pid_file,
                       console_socket=args.console_socket, start_now=True)
    elif cmd == "run":
        return runtime.run(args.id, args.bundle, pid_file=args.pid_file,
                           console_socket=args.console_socket)
    elif cmd == "start":
        runtime.start(args.id)
    elif cmd == "state":
        print(json.dumps(runtime.state(args.id).to_json(), indent=2))
    elif cmd == "kill":
        runtime.kill(args.id, parse_signal(args.signal), all=args.all)
    elif cmd == "delete":
        runtime.delete(args.id, force=args.force)
    elif cmd == "pause":
        runtime.pause(args.id)
    elif cmd == "resume":
        runtime.resume(args.id)
    elif cmd == "list":
        for state in runtime.list():
            print(f"{state.id}\t{state.pid}\t{state.status}\t{state.bundle}\t{state.created}")
    elif cmd == "update":
        with open(args.resources) as f:
            runtime.update(args.id, json.load(f))
    elif cmd == "ps":
        pids = runtime.pids(args.id)
        print(json.dumps(pids) if args.format == "json" else "\n".join(["PID", *map(str, pids)]))
    elif cmd == "exec":
        pid = runtime.exec(args.id, _exec_process(runtime, args), pid_file=args.pid_file,
                           console_socket=args.console_socket)
        return 0 if args.detach else _wait(pid)
    return 0


def _log_error(path: str | None, fmt: str, message: str) -> None:
    sys.stderr.write(f"dockyard-runtime: {message}\n")
    if not path:
        return
    when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    line = json.dumps({"level": "error", "msg": message, "time": when}) if fmt == "json" \
        else f"time=\"{when}\" level=error msg={json.dumps(message)}"
    with open(path, "a") as f:
        f.write(line + "\n")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    runtime = BuiltinRuntime(root=args.root)
    try:
        return run_command(runtime, args)
    except (DockyardError, OSError) as exc:
        _log_error(args.log, args.log_format, str(exc))
        return 1
