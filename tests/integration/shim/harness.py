"""Helpers of the shim integration tests: a temp exec-root per test, async runners."""

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from dockyard.shim.client import RuntimeChoice
from dockyard.shim.launcher import ShimLauncher
from tests.integration.shim.bundles import RUNC, make_bundle

CGROUP_PARENT = "/dockyard-shim-test"
from tests.support.daemon import mounts_under


class ShimEnv:
    """A temp exec-root: bundles, state dirs and the runc root of one test."""

    def __init__(self, base: Path, rootfs: Path, runtime: str):
        self.base = base
        self.rootfs = rootfs
        self.runtime = RuntimeChoice.oci(RUNC, base / "runc") if runtime == "runc" \
            else RuntimeChoice.builtin(base / "builtin")
        self.count = 0
        self.names: list[str] = []

    def bundle(self, args, tty=False, **options) -> Path:
        self.count += 1
        return make_bundle(self.base / f"bundle{self.count}", self.rootfs, args, tty=tty, **options)

    async def launch(self, launcher: ShimLauncher, args, *, tty=False, open_stdin=False,
                     console_size=None, log_opts=None, name=None, auto_remove=False, **bundle_options):
        name = name or f"{self.base.name}-{self.count}"
        self.names.append(name)
        bundle = self.bundle(args, tty=tty, cgroup=f"{CGROUP_PARENT}/{self.base.name}-{name}", **bundle_options)
        return await launcher.launch(
            container_id=name, state_dir=self.base / "state" / name, bundle=bundle, runtime=self.runtime,
            tty=tty, open_stdin=open_stdin, log_path=self.base / "logs" / f"{name}-json.log",
            log_opts=log_opts or {}, console_size=console_size, auto_remove=auto_remove)

    def force_delete(self, name: str) -> None:
        """What a daemon does for a container whose shim died: runtime delete --force."""
        runtime = [RUNC] if self.runtime.binary == RUNC else [sys.executable, "-m", "dockyard.runtime"]
        subprocess.run(runtime + ["--root", str(self.runtime.root), "delete", "--force", name],
                       capture_output=True)

    def log_entries(self, name) -> list[dict]:
        path = self.base / "logs" / f"{name}-json.log"
        return [json.loads(line) for line in path.read_text().splitlines()]

    def leftovers(self) -> list[str]:
        problems = []
        if self.runtime.root.exists():
            problems += [f"runtime state of {c.name}" for c in self.runtime.root.iterdir()]
        for name in self.names:
            cgroup = Path("/sys/fs/cgroup/memory") / CGROUP_PARENT.lstrip("/") / f"{self.base.name}-{name}"
            if cgroup.exists():
                problems.append(f"cgroup {cgroup}")
        for pid_file in (self.base / "state").glob("*/shim.pid"):
            pid = int(pid_file.read_text())
            if Path(f"/proc/{pid}").exists():
                problems.append(f"shim {pid} still running")
        problems += [f"mount {m}" for m in mounts_under(self.base)]
        return problems


def shim_pid(state_dir: Path, timeout: float = 10.0) -> int:
    """The pid of the host keeping a container, once it has written it to the state dir."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return int((state_dir / "shim.pid").read_text())
        except (FileNotFoundError, ValueError):        # not there, or not yet written
            assert time.monotonic() < deadline, "no shim host took the launch"
            time.sleep(0.005)


def host_let_go(pid: int, state_dir: Path) -> bool:
    """A shim host holds nothing in a container's state dir: not its cwd, no open file (or it
    exited). Its sockets show no path: test_host.py counts the host's fds for those."""
    state = os.path.realpath(state_dir)
    try:
        held = [os.readlink(f"/proc/{pid}/cwd")]
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                held.append(os.readlink(f"/proc/{pid}/fd/{fd}"))
            except FileNotFoundError:
                pass
    except (FileNotFoundError, ProcessLookupError):
        return True
    return not any(path == state or path.startswith(state + "/") for path in held)


def run(coro, timeout=30):
    """Run one test coroutine with a launcher, closing it afterwards."""
    async def with_launcher():
        launcher = ShimLauncher()
        await launcher.start()
        try:
            return await asyncio.wait_for(coro(launcher), timeout)
        finally:
            await launcher.close()
    return asyncio.run(with_launcher())


async def collect(session) -> tuple[bytes, bytes]:
    out, err = bytearray(), bytearray()
    async for stream, data in session:
        (out if stream == 1 else err).extend(data)
    return bytes(out), bytes(err)


async def read_until(session, marker: bytes, buffer: bytearray) -> bytes:
    while marker not in buffer:
        stream, data = await session.__anext__()
        buffer.extend(data)
    return bytes(buffer)
