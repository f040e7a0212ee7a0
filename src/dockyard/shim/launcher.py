"""Daemon side of a shim's birth (asyncio): the zygote's owner, and shims waiting for a bundle.

    launcher = ShimLauncher(); await launcher.start()          # once per daemon
    pending = await launcher.begin(container_id=cid, state_dir=..., bundle=..., ...)
    ...                                # the shim forks and sets up while the bundle is written
    shim = await pending.go()          # `runtime create`: a ShimClient once the container exists
    # or pending.abort(): the shim exits having made nothing

`launch(...)` is `begin` and `go` at once. A start's own preparation (the rootfs, the network
namespace, the bundle: ~5 ms) and the shim's fork and set-up (~4 ms) run side by side.
"""

import asyncio
import json
import os
import socket
import sys
from pathlib import Path
from typing import Any

import dockyard
from dockyard import errors
from dockyard.shim.client import ShimClient
from dockyard.shim.logopts import parse_log_opts
from dockyard.shim.protocol import LAUNCH_GO
from dockyard.shim.runtime_cli import RuntimeChoice


class PendingShim:
    """A shim forked and set up, waiting for `go` to create its container."""

    def __init__(self, report: socket.socket, state_dir: Path):
        self._report = report
        self.state_dir = state_dir

    async def go(self) -> ShimClient:
        """Create the container; raises InvalidArgument with the runtime's message when that fails."""
        loop = asyncio.get_running_loop()
        with self._report:
            try:
                await loop.sock_sendall(self._report, LAUNCH_GO)
            except OSError:                  # gone already: what it said before, if anything
                pass
            line = await _read_line(self._report)
        result: dict[str, Any] = (json.loads(line) if line
                                  else {"error": "shim exited before creating the container"})
        if "error" in result:
            raise errors.InvalidArgument(result["error"])
        client = ShimClient(self.state_dir, int(result["pid"]))
        client.runtime_create_seconds = result.get("create_s")
        return client

    def abort(self) -> None:
        """The shim reads end-of-file instead of `go`, removes its pid file and exits."""
        self._report.close()


class ShimLauncher:
    """Owns the zygote process; one per daemon."""

    def __init__(self, python: str = sys.executable):
        self.python = python
        self._control: socket.socket | None = None
        self._process: asyncio.subprocess.Process | None = None

    async def start(self) -> socket.socket:
        """Start a zygote; the socket that sends it requests."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        source_root = str(Path(dockyard.__file__).resolve().parent.parent)
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [source_root, os.environ.get("PYTHONPATH")])))
        try:
            self._process = await asyncio.create_subprocess_exec(
                self.python, "-m", "dockyard.shim.zygote", str(theirs.fileno()),
                pass_fds=[theirs.fileno()], stdin=asyncio.subprocess.DEVNULL, env=env,
                start_new_session=True)           # no terminal signals meant for the daemon
        finally:
            theirs.close()
        self._control = ours
        return ours

    async def close(self) -> None:
        if self._control is not None:
            self._control.close()
            self._control = None
        if self._process is not None:
            await self._process.wait()
            self._process = None

    async def launch(self, **options) -> ShimClient:
        """Fork a shim that runs `runtime create`; returns once the container is created."""
        return await (await self.begin(**options)).go()

    async def begin(self, *, container_id: str, state_dir: Path, bundle: Path, runtime: RuntimeChoice,
                    tty: bool, open_stdin: bool, log_path: Path | None, log_opts: dict | None,
                    console_size: tuple[int, int] | None, auto_remove: bool = False,
                    log_format: str = "json-file") -> PendingShim:
        """Fork a shim that sets up and waits for `go` (the bundle need not exist yet).

        auto_remove: the container is removed when it exits (`--rm`), so its exit is reported
        without waiting for the log to catch up with the output (see shim/stdio.py).
        log_format: "json-file" (rotated by log_opts) or "cri" (the kubelet's, which it rotates).
        Bad log options raise InvalidArgument here, before any fork."""
        state_dir = Path(state_dir)
        state_dir.mkdir(parents=True, exist_ok=True)
        config = {
            "container_id": container_id, "state_dir": str(state_dir), "bundle": str(bundle),
            "runtime": runtime.to_json(), "tty": tty, "open_stdin": open_stdin,
            "log_path": str(log_path) if log_path else None,
            "log_config": parse_log_opts(log_opts).to_json(), "log_format": log_format,
            "console_size": list(console_size) if console_size else None, "auto_remove": auto_remove,
        }
        return PendingShim(await self._send(json.dumps(config).encode()), state_dir)

    async def _send(self, message: bytes) -> socket.socket:
        """The launch request to the zygote; our end of the new shim's report socket."""
        control = self._control
        if control is None or self._process is None or self._process.returncode is not None:
            control = await self.start()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            with theirs:
                socket.send_fds(control, [message], [theirs.fileno()])
        except OSError:                  # the zygote died: start another once
            ours.close()
            await self.start()
            return await self._send(message)
        ours.setblocking(False)
        return ours


async def _read_line(sock: socket.socket) -> bytes:
    """The shim's one-line report; b"" if it died before writing it."""
    loop = asyncio.get_running_loop()
    data = b""
    while not data.endswith(b"\n"):
        chunk = await loop.sock_recv(sock, 65536)
        if not chunk:
            return b""
        data += chunk
    return data
