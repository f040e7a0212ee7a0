"""Golden JSON tests of generate_spec. Regenerate with DOCKYARD_UPDATE_GOLDEN=1 after a
deliberate change, then review the diff of tests/unit/oci/golden/."""

import json
import os
from pathlib import Path

import pytest

from dockyard.oci.spec import SpecContext, generate_spec
from dockyard.oci.user import ResolvedUser

GOLDEN = Path(__file__).parent / "golden"
IMAGE = {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
         "Cmd": ["sh"]}
HOST_CAPS = [c for c in __import__("dockyard.oci.capabilities", fromlist=["x"]).CAPABILITY_NAMES
             if c != "CAP_SYS_RESOURCE"]  # this VM's bounding set lacks one capability


def cli_body(cmd, **host):
    """The create body docker CLI 28 sends (engine-api.md §10.1), with HostConfig overrides."""
    host_config = {"NetworkMode": "default", "RestartPolicy": {"Name": "no"},
                   "LogConfig": {"Type": ""}, "MemorySwappiness": -1, "ConsoleSize": [0, 0]}
    host_config.update(host)
    return {"Hostname": "", "User": "", "AttachStdout": True, "AttachStderr": True,
            "Tty": False, "Env": None, "Cmd": cmd, "Image": "busybox", "WorkingDir": "",
            "Entrypoint": None, "HostConfig": host_config}


def context(**kw):
    base = dict(rootfs="rootfs", hostname="0123456789ab",
                hostname_path="/var/lib/dockyard/containers/c1/hostname",
                hosts_path="/var/lib/dockyard/containers/c1/hosts",
                resolv_conf_path="/var/lib/dockyard/containers/c1/resolv.conf",
                netns_path="/run/dockyard/netns/c1", cgroup_path="/dockyard/c1",
                host_capabilities=HOST_CAPS)
    base.update(kw)
    return SpecContext(**base)


def _with_user_fields(body, **fields):
    body.update(fields)
    return body


CASES = {
    "default_run": (cli_body(["echo", "hi"]), context()),
    "user_workdir_env_hostname": (
        _with_user_fields(cli_body(["id"]), User="1000:1000", WorkingDir="/tmp",
                          Env=["FOO=bar", "PATH=/bin"], Hostname="web"),
        context(hostname="web", user=ResolvedUser(1000, 1000))),
    "privileged": (
        cli_body(["sh"], Privileged=True),
        context(host_devices=[{"path": "/dev/loop0", "type": "b", "major": 7, "minor": 0,
                               "fileMode": 0o660, "uid": 0, "gid": 6}])),
    "readonly_tmpfs": (cli_body(["sh"], ReadonlyRootfs=True, Tmpfs={"/tmp": "rw,size=64m"}),
                       context()),
    "cap_drop_all": (cli_body(["chown", "1", "/"], CapDrop=["ALL"]), context()),
    "resources": (cli_body(["sh"], Memory=32 * 1024 * 1024, NanoCpus=1_500_000_000,
                           PidsLimit=64, CpuShares=512, CpusetCpus="0", BlkioWeight=300),
                  context()),
    "ulimit": (cli_body(["sh"], Ulimits=[{"Name": "nofile", "Soft": 512, "Hard": 512}]),
               context()),
    "shared_bind_joined_namespaces": (   # a pod's container: bidirectional mount, joined IPC/PID/UTS
        cli_body(["sh"], IpcMode="container:pause", PidMode="container:pause", UTSMode="container:pause"),
        context(mounts=[{"destination": "/mnt", "type": "bind", "source": "/srv", "options": ["rbind", "rshared"]}],
                namespace_paths={"ipc": "/proc/7/ns/ipc", "pid": "/proc/7/ns/pid", "uts": "/proc/7/ns/uts"},
                shm_path="/run/dockyard/containers/pause/shm")),
    "tty_init_unconfined": (
        _with_user_fields(cli_body(["sh"], Init=True, ConsoleSize=[40, 120],
                                   SecurityOpt=["seccomp=unconfined", "no-new-privileges"]),
                          Tty=True),
        context()),
}


def _summarised(spec: dict) -> dict:
    """Golden files keep the seccomp allowlist as a count plus the withheld calls' absence."""
    seccomp = spec["linux"].get("seccomp")
    if seccomp:
        first = seccomp["syscalls"][0]
        first["names"] = {"count": len(first["names"]),
                          "has_mount": "mount" in first["names"],
                          "has_read": "read" in first["names"]}
    return spec


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(name):
    body, ctx = CASES[name]
    got = _summarised(generate_spec(IMAGE, body, ctx))
    path = GOLDEN / f"{name}.json"
    if os.environ.get("DOCKYARD_UPDATE_GOLDEN"):
        path.write_text(json.dumps(got, indent=2, sort_keys=True) + "\n")
    assert got == json.loads(path.read_text())


def test_systempaths_unconfined_lifts_masked_paths_and_builtin_seccomp_is_the_default():
    default = generate_spec(IMAGE, cli_body(["sh"]), context())
    body = cli_body(["sh"], MaskedPaths=[], ReadonlyPaths=[], SecurityOpt=["seccomp=builtin"])
    spec = generate_spec(IMAGE, body, context())
    assert (spec["linux"]["maskedPaths"], spec["linux"]["readonlyPaths"]) == ([], [])
    assert default["linux"]["maskedPaths"] and spec["linux"]["seccomp"] == default["linux"]["seccomp"]


def test_a_slave_bind_makes_the_root_a_slave_and_a_shared_one_wins():
    def propagation(*options):
        mounts = [{"destination": f"/m{i}", "type": "bind", "source": "/srv", "options": ["rbind", o]}
                  for i, o in enumerate(options)]
        return generate_spec(IMAGE, cli_body(["sh"]), context(mounts=mounts))["linux"].get("rootfsPropagation")
    assert (propagation("rprivate"), propagation("rslave"), propagation("rslave", "rshared")) == (None, "rslave", "shared")
