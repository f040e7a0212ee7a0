"""Bundle-to-exit latency of `true`: built-in runtime (library and CLI) vs `runc run`.

Usage (root): python bench/runtime_latency.py [-n 20]
Same bundle (busybox rootfs from /bin/busybox, config.json from generate_spec) for all.
"""

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from dockyard.cgroups import open_cgroup  # noqa: E402
from dockyard.oci.spec import SpecContext, generate_spec  # noqa: E402
from dockyard.runtime import BuiltinRuntime  # noqa: E402
from dockyard.runtime.host import host_capabilities  # noqa: E402

SRC = str(Path(__file__).resolve().parent.parent / "src")


def make_bundle(base: Path, cgroup_parent: str) -> Path:
    rootfs = base / "rootfs"
    for d in ("bin", "etc", "tmp", "proc", "sys", "dev"):
        (rootfs / d).mkdir(parents=True)
    shutil.copy2("/bin/busybox", rootfs / "bin" / "busybox")
    for applet in ("sh", "true"):
        (rootfs / "bin" / applet).symlink_to("busybox")
    spec = generate_spec({"Env": ["PATH=/bin"], "Cmd": ["sh"]},
                         {"Cmd": ["true"], "HostConfig": {"NetworkMode": "default"}},
                         SpecContext(rootfs="rootfs", hostname="bench",
                                     cgroup_path=f"{cgroup_parent}/bench",
                                     host_capabilities=host_capabilities()))
    (base / "config.json").write_text(json.dumps(spec))
    return base


def cpu_seconds() -> float:
    """CPU used by us and our reaped children: a cost that machine load does not inflate."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def time_library(bundle: Path, root: str, n: int) -> tuple[list[float], list[float], float]:
    runtime = BuiltinRuntime(root=root)
    null = os.open("/dev/null", os.O_RDWR)
    to_exit, delete = [], []
    cpu = 0.0
    for i in range(n + 1):
        c0 = cpu_seconds()
        t0 = time.perf_counter()
        pid = runtime.create(f"lib{i}", str(bundle), stdio=(null, null, null), start_now=True)
        os.waitpid(pid, 0)
        t1 = time.perf_counter()
        runtime.delete(f"lib{i}")
        t2 = time.perf_counter()
        if i:  # the first run warms caches
            to_exit.append(t1 - t0)
            delete.append(t2 - t1)
            cpu += cpu_seconds() - c0
    os.close(null)
    return to_exit, delete, cpu / n


def time_command(argv_for, n: int) -> tuple[list[float], float]:
    samples = []
    c0 = cpu_seconds()
    env = dict(os.environ, PYTHONPATH=SRC)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # measure an installed CLI: bytecode cached
    for i in range(n + 1):
        t0 = time.perf_counter()
        subprocess.run(argv_for(i), check=True, stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, env=env)
        if i:
            samples.append(time.perf_counter() - t0)
        else:
            c0 = cpu_seconds()
    return samples, (cpu_seconds() - c0) / n


def ms(samples: list[float]) -> str:
    return f"median {statistics.median(samples) * 1000:6.1f} ms, min {min(samples) * 1000:6.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=20)
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="dockyard-bench-"))
    cgroup_parent = f"/dockyard-bench-{uuid.uuid4().hex[:8]}"
    try:
        bundle = make_bundle(base / "bundle", cgroup_parent)
        lib, lib_delete, lib_cpu = time_library(bundle, str(base / "lib-state"), args.n)
        cli, cli_cpu = time_command(lambda i: [sys.executable, "-m", "dockyard.runtime", "--root",
                                      str(base / "cli-state"), "run", "--bundle", str(bundle),
                                      f"cli{i}"], args.n)
        runc_path = shutil.which("runc")
        runc, runc_cpu = time_command(lambda i: [runc_path, "--root", str(base / "runc-state"), "run",
                                                 "--bundle", str(bundle), f"runc{i}"], args.n) \
            if runc_path else ([], 0.0)
        print(f"bundle-to-exit of `true` ({args.n} runs; load average {os.getloadavg()[0]:.1f}):")
        print(f"  built-in, library (create+start+wait)  {ms(lib)}, cpu {lib_cpu * 1000:5.1f} ms"
              f"   (then delete: {ms(lib_delete)})")
        print(f"  built-in, CLI `run` (python startup)   {ms(cli)}, cpu {cli_cpu * 1000:5.1f} ms")
        if runc:
            print(f"  runc run                               {ms(runc)}, cpu {runc_cpu * 1000:5.1f} ms")
            print(f"  ratio library/runc = {statistics.median(lib) / statistics.median(runc):.2f}, "
                  f"CLI/runc = {statistics.median(cli) / statistics.median(runc):.2f}")
    finally:
        shutil.rmtree(base, ignore_errors=True)
        open_cgroup(cgroup_parent).delete()


if __name__ == "__main__":
    main()
