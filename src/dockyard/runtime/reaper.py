"""`--init` without an init binary: stay as PID 1, run the process as a child, reap orphans,
forward signals, and exit with the child's status (128+n when killed by signal n)."""

import os
import signal

from dockyard.runtime import process_setup as ps, sync

_FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1,
              signal.SIGUSR2, signal.SIGWINCH, signal.SIGCONT)


def exec_under_reaper(path: str, args: list[str], env: list[str], sync_fd: int) -> None:
    child = os.fork()
    if child == 0:
        try:
            os.execve(path, args, dict(e.split("=", 1) for e in env if "=" in e))
        except OSError as exc:
            message, code = ps.exec_error_message(args[0], exc)
            sync.send(sync_fd, "error", "unable to start container process: " + message)
            os._exit(code)
    os.close(sync_fd)
    for sig in _FORWARDED:
        signal.signal(sig, lambda signum, _frame: _forward(child, signum))
    while True:
        pid, status = os.wait()
        if pid == child:
            code = os.waitstatus_to_exitcode(status)
            os._exit(128 - code if code < 0 else code)


def _forward(child: int, signum: int) -> None:
    try:
        os.kill(child, signum)
    except ProcessLookupError:
        pass
