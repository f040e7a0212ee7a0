"""Busybox OCI bundles for shim tests: `runc spec`, then the process and rootfs edited."""

import json
import shutil
import subprocess
from pathlib import Path

RUNC = "/usr/sbin/runc"
BUSYBOX = "/bin/busybox"


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
    subprocess.run([RUNC, "spec", "--bundle", str(path)], check=True)
    config_path = path / "config.json"
    config = json.loads(config_path.read_text())
    config["root"] = {"path": str(rootfs), "readonly": True}
    config["process"]["args"] = args
    config["process"]["terminal"] = tty
    config["process"]["env"] = ["PATH=/bin", "TERM=xterm"]
    if cgroup:
        config["linux"]["cgroupsPath"] = cgroup
    if memory_limit:
        config["linux"].setdefault("resources", {})["memory"] = {"limit": memory_limit}
    config_path.write_text(json.dumps(config))
    return path


def exec_process(args: list[str], *, tty: bool = False) -> dict:
    return {"args": args, "env": ["PATH=/bin", "TERM=xterm"], "cwd": "/", "terminal": tty,
            "user": {"uid": 0, "gid": 0}}
