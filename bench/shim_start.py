"""Shim latency for a busybox `true`: launch request -> created -> started -> init exited.

    sudo .venv/bin/python bench/shim_start.py [--runs 30] [--runtime runc|builtin]

Builds a busybox rootfs and bundle in a temp dir, runs the container through the
zygote-launched shim and runc, and prints median / p90 of each phase in ms.
"""

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from dockyard.shim.client import RuntimeChoice  # noqa: E402
from dockyard.shim.launcher import ShimLauncher  # noqa: E402
from tests.integration.shim.bundles import RUNC, make_bundle, make_rootfs  # noqa: E402


async def one_run(launcher, base: Path, bundle: Path, runtime: RuntimeChoice, index: int) -> dict:
    name = f"bench-{index}"
    t0 = time.perf_counter()
    shim = await launcher.launch(container_id=name, state_dir=base / "state" / name, bundle=bundle,
                                 runtime=runtime, tty=False, open_stdin=False,
                                 log_path=base / "logs" / f"{name}.log", log_opts={}, console_size=None)
    t_created = time.perf_counter()
    await shim.start()
    t_started = time.perf_counter()
    status = await shim.wait()
    t_exited = time.perf_counter()
    await shim.shutdown()
    t_removed = time.perf_counter()
    assert status.code == 0, status
    return {"created": t_created - t0, "started": t_started - t0, "exited": t_exited - t0,
            "deleted": t_removed - t0, "shim overhead": t_created - t0 - shim.runtime_create_seconds}


async def main(runs: int, runtime_name: str) -> None:
    base = Path(tempfile.mkdtemp(prefix="dockyard-bench-", dir="/tmp"))
    runtime = RuntimeChoice.oci(RUNC, base / "runc") if runtime_name == "runc" \
        else RuntimeChoice.builtin(base / "builtin")
    try:
        bundle = make_bundle(base / "bundle", make_rootfs(base / "rootfs"), ["true"],
                             cgroup=f"/dockyard-bench/{base.name}")
        launcher = ShimLauncher()
        t0 = time.perf_counter()
        await launcher.start()
        await one_run(launcher, base, bundle, runtime, -1)           # warm-up: zygote imports, page cache
        print(f"zygote start + first run: {(time.perf_counter() - t0) * 1000:.1f} ms")
        samples = [await one_run(launcher, base, bundle, runtime, i) for i in range(runs)]
        await launcher.close()
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print(f"{runs} runs of `true` ({runtime_name}), ms since the launch request:")
    for phase in ("created", "started", "exited", "deleted", "shim overhead"):
        values = sorted(s[phase] * 1000 for s in samples)
        print(f"  {phase:13s} median {statistics.median(values):6.1f}   p90 {values[int(len(values) * 0.9) - 1]:6.1f}"
              f"   min {values[0]:6.1f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--runtime", choices=("runc", "builtin"), default="runc")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.runs, arguments.runtime))
