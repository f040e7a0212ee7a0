"""Busybox OCI bundles for shim tests, with config.json from the engine's own generate_spec."""

import json
import shutil
import subprocess
from pathlib import Path

from dockyard.oci.spec import SpecContext, generate_spec
from dockyard.runtime.host import host_capabilities

RUNC = "/usr/sbin/runc"
BUSYBOX = "/bin/busybox"
IMAGE_CONFIG = {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], "Cmd": ["sh"]}


def make_rootfs(path: Path) -> Path:
    (path / "bin").mkdir(parents=True)
    for name in ("tmp", "proc", "dev", "sys", "etc"):
        (path / name).mkdir()
    shutil.copy2(BUSYBOX, path / "bin" / "busybox")
    applets = subprocess.run([BUSYBOX, "--list"], check=True, capture_output=True, text=True).stdout.split()
    for applet in applets:
        if applet != "busybox":
            (path / "bin" / applet).symlink_to("busybox")
    return path


def make_bundle(path: Path, rootfs: Path, args: list[str], *, tty: bool = False,
                cgroup: str | None = None, memory_limit: int | None = None) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    host_config = {"NetworkMode": "none", "Memory": memory_limit or 0}
    body = {"Cmd": args, "Tty": tty, "Env": ["TERM=xterm"], "HostConfig": host_config}
    context = SpecContext(rootfs=str(rootfs), hostname="shimtest", cgroup_path=cgroup or "",
                          host_capabilities=host_capabilities())
    (path / "config.json").write_text(json.dumps(generate_spec(IMAGE_CONFIG, body, context)))
    return path


def exec_process(args: list[str], *, tty: bool = False) -> dict:
    return {"args": args, "env": ["PATH=/bin", "TERM=xterm"], "cwd": "/", "terminal": tty,
            "user": {"uid": 0, "gid": 0}}
