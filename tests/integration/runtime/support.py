"""Busybox bundles for runtime tests: a rootfs made from /bin/busybox and a config.json from
generate_spec, run with stdout/stderr captured."""

import json
import os
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

from dockyard.oci.spec import SpecContext, generate_spec
from dockyard.oci.user import resolve_user
from dockyard.runtime.host import host_capabilities, host_devices

BUSYBOX = "/bin/busybox"
IMAGE_CONFIG = {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                "Cmd": ["sh"]}
PASSWD = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n"
GROUP = "root:x:0:\ntty:x:5:\nnobody:x:65534:\n"


def make_rootfs(path: Path) -> Path:
    """A busybox rootfs: the static binary hard-linked (or copied) plus one symlink per applet."""
    for d in ("bin", "etc", "tmp", "proc", "sys", "dev", "root", "mnt"):
        (path / d).mkdir(parents=True, exist_ok=True)
    target = path / "bin" / "busybox"
    try:
        os.link(BUSYBOX, target)
    except OSError:
        shutil.copy2(BUSYBOX, target)
    applets = subprocess.run([BUSYBOX, "--list"], capture_output=True, text=True, check=True).stdout
    for applet in applets.split():
        link = path / "bin" / applet
        if not link.exists():
            link.symlink_to("busybox")
    (path / "tmp").chmod(0o1777)
    (path / "etc" / "passwd").write_text(PASSWD)
    (path / "etc" / "group").write_text(GROUP)
    return path


def docker_body(cmd: list[str], **host) -> dict:
    """A create body shaped like docker CLI 28's; top-level fields via `config_` prefixed keys."""
    config = {k.removeprefix("config_"): v for k, v in host.items() if k.startswith("config_")}
    host_config = {"NetworkMode": "default", "MemorySwappiness": -1, "ConsoleSize": [0, 0]}
    host_config.update({k: v for k, v in host.items() if not k.startswith("config_")})
    body = {"Hostname": "", "User": "", "Tty": False, "Env": None, "Cmd": cmd,
            "Image": "busybox", "WorkingDir": "", "Entrypoint": None, "HostConfig": host_config}
    body.update(config)
    return body


@dataclass
class Bundle:
    path: Path
    cgroup_path: str
    spec: dict


def write_bundle(base: Path, cgroup_parent: str, body: dict, name: str | None = None,
                 devices: list[dict] | None = None) -> Bundle:
    name = name or uuid.uuid4().hex[:12]
    bundle = base / name
    rootfs = make_rootfs(bundle / "rootfs")
    etc = bundle / "etc"
    etc.mkdir()
    hostname = body.get("Hostname") or name
    (etc / "hostname").write_text(hostname + "\n")
    (etc / "hosts").write_text(f"127.0.0.1\tlocalhost\n127.0.1.1\t{hostname}\n")
    (etc / "resolv.conf").write_text("nameserver 127.0.0.1\n")
    ctx = SpecContext(
        rootfs="rootfs", hostname=hostname,
        user=resolve_user(body.get("User"), PASSWD, GROUP),
        hostname_path=str(etc / "hostname"), hosts_path=str(etc / "hosts"),
        resolv_conf_path=str(etc / "resolv.conf"), cgroup_path=f"{cgroup_parent}/{name}",
        host_capabilities=host_capabilities(),
        host_devices=host_devices() if body["HostConfig"].get("Privileged") else [],
        devices=devices or [])
    spec = generate_spec(IMAGE_CONFIG, body, ctx)
    (bundle / "config.json").write_text(json.dumps(spec, indent=2))
    assert rootfs.is_dir()
    return Bundle(bundle, ctx.cgroup_path, spec)


@dataclass
class Result:
    code: int
    out: str
    err: str


def read_all(fd: int) -> str:
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks).decode(errors="replace")


def run_captured(runtime, container_id: str, bundle: Bundle, before_delete=None) -> Result:
    """create + start with pipes as stdio, wait for the init (we are its parent), then delete."""
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    null = os.open("/dev/null", os.O_RDONLY)
    try:
        pid = runtime.create(container_id, str(bundle.path), stdio=(null, out_w, err_w))
    finally:
        for fd in (out_w, err_w, null):
            os.close(fd)
    try:
        runtime.start(container_id)
        out, err = read_all(out_r), read_all(err_r)
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        if before_delete:
            before_delete(bundle)
    finally:
        runtime.delete(container_id, force=True)
    return Result(128 - code if code < 0 else code, out, err)


def cli_env() -> dict:
    """Environment for `python -m dockyard.runtime` that imports this checkout's dockyard."""
    import dockyard
    src = str(Path(dockyard.__file__).resolve().parent.parent)
    return dict(os.environ, PYTHONPATH=src + os.pathsep + os.environ.get("PYTHONPATH", ""))
