"""runc or crun (or our own CLI) driven through the OCI runtime verbs: the only module that
shells out to a runtime binary. Errors come back from `--log ... --log-format json`."""

import json
import os
import signal
import subprocess
import tempfile

from dockyard.errors import Conflict, NotFound
from dockyard.runtime.state import ContainerState
from dockyard.runtime.sync import RuntimeFailure


class OciCliRuntime:
    def __init__(self, path: str | list[str], root: str) -> None:
        self.argv = [path] if isinstance(path, str) else list(path)
        self.root = root

    def _run(self, args: list[str], stdio=None, capture: bool = False) -> str:
        os.makedirs(self.root, exist_ok=True)
        with tempfile.NamedTemporaryFile("r", prefix="runtime-log-", dir=self.root) as log:
            cmd = [*self.argv, "--root", self.root, "--log", log.name, "--log-format", "json", *args]
            streams = dict(zip(("stdin", "stdout", "stderr"), stdio)) if stdio else {}
            if capture:
                streams["stdout"] = subprocess.PIPE
            if not stdio:
                streams.setdefault("stderr", subprocess.DEVNULL)
            proc = subprocess.run(cmd, **streams, check=False)
            if proc.returncode != 0:
                raise _error_from_log(log.read(), cmd)
        return proc.stdout.decode() if capture else ""

    def create(self, container_id: str, bundle: str, *, stdio=None, console_socket=None,
               pid_file=None) -> int:
        pid_path = pid_file or os.path.join(self.root, f"{container_id}.pid")
        args = ["create", "--bundle", bundle, "--pid-file", pid_path]
        if console_socket:
            args += ["--console-socket", console_socket]
        self._run([*args, container_id], stdio=stdio)
        return _read_pid(pid_path, remove=pid_file is None)

    def start(self, container_id: str) -> None:
        self._run(["start", container_id])

    def state(self, container_id: str) -> ContainerState:
        raw = json.loads(self._run(["state", container_id], capture=True))
        return ContainerState(id=raw["id"], status=raw["status"], pid=raw.get("pid", 0),
                              bundle=raw.get("bundle", ""), created=raw.get("created", ""),
                              annotations=raw.get("annotations") or {},
                              oci_version=raw.get("ociVersion", ""))

    def kill(self, container_id: str, sig: int = signal.SIGTERM, all: bool = False) -> None:
        self._run(["kill", *(["--all"] if all else []), container_id, str(int(sig))])

    def delete(self, container_id: str, force: bool = False) -> None:
        self._run(["delete", *(["--force"] if force else []), container_id])

    def exec(self, container_id: str, process: dict, *, stdio=None, console_socket=None,
             pid_file=None) -> int:
        with tempfile.NamedTemporaryFile("w", suffix=".json", dir=self.root) as spec:
            json.dump(process, spec)
            spec.flush()
            pid_path = pid_file or spec.name + ".pid"
            args = ["exec", "--process", spec.name, "--pid-file", pid_path, "--detach"]
            if console_socket:
                args += ["--console-socket", console_socket]
            self._run([*args, container_id], stdio=stdio)
        return _read_pid(pid_path, remove=pid_file is None)

    def update(self, container_id: str, resources: dict) -> None:
        with tempfile.NamedTemporaryFile("w", suffix=".json", dir=self.root) as spec:
            json.dump(resources, spec)
            spec.flush()
            self._run(["update", "--resources", spec.name, container_id])

    def pids(self, container_id: str) -> list[int]:
        return json.loads(self._run(["ps", "--format", "json", container_id], capture=True) or "[]")

    def pause(self, container_id: str) -> None:
        self._run(["pause", container_id])

    def resume(self, container_id: str) -> None:
        self._run(["resume", container_id])


def _read_pid(path: str, remove: bool) -> int:
    with open(path) as f:
        pid = int(f.read().strip())
    if remove:
        os.unlink(path)
    return pid


def _error_from_log(text: str, cmd: list[str]):
    messages = []
    for line in text.splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if entry.get("level") in ("error", "fatal"):
            messages.append(entry.get("msg", ""))
    message = messages[-1] if messages else f"{os.path.basename(cmd[0])} {' '.join(cmd[-2:])} failed"
    lowered = message.lower()
    if "does not exist" in lowered or ("not found" in lowered and "executable" not in lowered):
        return NotFound(message)
    if "already exists" in lowered or "id exists" in lowered or "not stopped" in lowered \
            or "not running" in lowered or "not paused" in lowered:
        return Conflict(message)
    return RuntimeFailure(message)
