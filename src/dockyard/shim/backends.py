"""How the shim drives a runtime: an OCI runtime binary, or the built-in runtime in-process.

Both give the shim the same verbs. `create` and `delete` block (the shim serves nothing
yet / any more); `start`, `exec`, `pause`, `resume` report through a callback so that the
binary's run time does not stall the shim's loop. Errors are the runtime's own text in
Docker's shape (`OCI runtime create failed: ...: unknown`), so the CLI can map
"executable file not found" / "no such file or directory" / "permission denied".
"""

import json
import os
from pathlib import Path

from dockyard.shim.runtime_cli import BUILTIN, RuntimeChoice, RuntimeCommands, failure_message, last_error
from dockyard.shim.spawn import open_devnull, spawn
from dockyard.shim.streams import ProcessStdio

INIT_PID = "init.pid"


class RuntimeVerbFailed(Exception):
    """A runtime verb failed; str() is the message for the user."""


class CliBackend:
    """runc / crun (or `python -m dockyard.runtime`): one invocation per verb."""

    def __init__(self, choice: RuntimeChoice, container_id: str, loop):
        self.commands = RuntimeCommands(choice, container_id)
        self.loop = loop

    def create(self, bundle: str, stdio: ProcessStdio) -> int:
        argv = self.commands.create(Path(bundle), INIT_PID, stdio.console_path, "create.log")
        pid = spawn(argv, *stdio.child_fds)
        stdio.close_child_ends()
        status = self.loop.wait_child_blocking(pid)
        if status != 0:
            raise RuntimeVerbFailed(failure_message("create", last_error("create.log", f"exit status {status}")))
        return int(Path(INIT_PID).read_text())

    def start(self, done) -> None:
        self._run(self.commands.start("start.log"), "start", done)

    def pause(self, done) -> None:
        self._run(self.commands.pause("pause.log"), "pause", done)

    def resume(self, done) -> None:
        self._run(self.commands.resume("resume.log"), "resume", done)

    def _run(self, argv: list[str], verb: str, done) -> None:
        def finished(status: int) -> None:
            done(None if status == 0 else failure_message(verb, last_error(f"{verb}.log", f"exit status {status}")))

        devnull = open_devnull()
        try:
            pid = spawn(argv, devnull, devnull, devnull)
        finally:
            os.close(devnull)
        self.loop.watch_child(pid, finished)

    def exec(self, exec_id: str, process: dict, stdio: ProcessStdio, done) -> None:
        """done(error, pid) once the process runs (after its console, if any, was sent)."""
        names = {kind: f"exec-{exec_id}.{kind}" for kind in ("json", "pid", "log")}
        fd = os.open(names["json"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)  # env
        with open(fd, "w") as f:
            f.write(json.dumps(process))
        argv = self.commands.exec(names["json"], names["pid"], stdio.console_path, names["log"])
        pid = spawn(argv, *stdio.child_fds)
        stdio.close_child_ends()

        def finished(status: int) -> None:
            try:
                if status != 0:
                    done(failure_message("exec", last_error(names["log"], f"exit status {status}")), None)
                else:
                    done(None, int(Path(names["pid"]).read_text()))
            finally:
                _remove(names.values())

        self.loop.watch_child(pid, finished)

    def delete(self) -> str | None:
        devnull = open_devnull()
        try:
            pid = spawn(self.commands.delete("delete.log"), devnull, devnull, devnull)
        finally:
            os.close(devnull)
        status = self.loop.wait_child_blocking(pid)
        return None if status == 0 else failure_message("delete", last_error("delete.log", f"exit status {status}"))


class LibraryBackend:
    """The built-in runtime called in-process: its init and execs are the shim's own children."""

    def __init__(self, choice: RuntimeChoice, container_id: str, loop, warm: dict | None = None):
        """warm: what the zygote read once for every shim (see zygote._preload_builtin_runtime)."""
        from dockyard.runtime.builtin import BuiltinRuntime    # imported by the zygote when present
        warm = warm or {}
        self.runtime = BuiltinRuntime(root=str(choice.root), cgroup_hierarchies=warm.get("cgroup_hierarchies"),
                                      bounding_set=warm.get("bounding_set"))
        self.container_id = container_id
        self.loop = loop

    def _call(self, verb: str, action):
        try:
            return action(), None
        except Exception as err:
            return None, failure_message(verb, str(err))

    def create(self, bundle: str, stdio: ProcessStdio) -> int:
        pid, error = self._call("create", lambda: self.runtime.create(
            self.container_id, bundle, stdio=stdio.child_fds, console_socket=stdio.console_path,
            pid_file=INIT_PID))
        stdio.close_child_ends()
        if error:
            raise RuntimeVerbFailed(error)
        return pid

    def start(self, done) -> None:
        self._later(done, self._call("start", lambda: self.runtime.start(self.container_id))[1])

    def pause(self, done) -> None:
        self._later(done, self._call("pause", lambda: self.runtime.pause(self.container_id))[1])

    def resume(self, done) -> None:
        self._later(done, self._call("resume", lambda: self.runtime.resume(self.container_id))[1])

    def exec(self, exec_id: str, process: dict, stdio: ProcessStdio, done) -> None:
        pid, error = self._call("exec", lambda: self.runtime.exec(
            self.container_id, process, stdio=stdio.child_fds, console_socket=stdio.console_path))
        stdio.close_child_ends()
        self.loop.call_later(0, lambda: done(error, pid))

    def delete(self) -> str | None:
        return self._call("delete", lambda: self.runtime.delete(self.container_id, force=True))[1]

    def _later(self, done, error) -> None:
        self.loop.call_later(0, lambda: done(error))


def backend_for(choice: RuntimeChoice, container_id: str, loop, warm: dict | None = None):
    if choice.binary == BUILTIN:
        return LibraryBackend(choice, container_id, loop, warm)
    return CliBackend(choice, container_id, loop)


def _remove(names) -> None:
    for name in names:
        try:
            os.unlink(name)
        except FileNotFoundError:
            pass
