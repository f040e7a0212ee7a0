"""Shim latency of `exec true` in a running busybox container: exec request -> exit code.

    sudo .venv/bin/python bench/shim_exec.py [--runs 30] [--runtime runc|builtin]
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
from tests.integration.shim.bundles import RUNC, exec_process, make_bundle, make_rootfs  # noqa: E402


async def main(runs: int, runtime_name: str) -> None:
    base = Path(tempfile.mkdtemp(prefix="dockyard-bench-", dir="/tmp"))
    runtime = RuntimeChoice.oci(RUNC, base / "runc") if runtime_name == "runc" \
        else RuntimeChoice.builtin(base / "builtin")
    launcher = ShimLauncher()
    await launcher.start()
    try:
        bundle = make_bundle(base / "bundle", make_rootfs(base / "rootfs"), ["sleep", "1000"],
                             cgroup=f"/dockyard-bench/{base.name}")
        shim = await launcher.launch(container_id="bench-exec", state_dir=base / "state", bundle=bundle,
                                     runtime=runtime, tty=False, open_stdin=False, log_path=None,
                                     log_opts={}, console_size=None)
        await shim.start()
        samples = []
        for index in range(runs + 1):
            t0 = time.perf_counter()
            await shim.exec(f"e{index}", exec_process(["true"]), tty=False, open_stdin=False)
            session = await shim.attach_exec(f"e{index}", stdin=False, stdout=True, stderr=True)
            async for _ in session:
                pass
            assert await shim.wait_exec(f"e{index}") == 0
            samples.append(time.perf_counter() - t0)
        await shim.shutdown()
    finally:
        await launcher.close()
        shutil.rmtree(base, ignore_errors=True)
    values = sorted(v * 1000 for v in samples[1:])
    print(f"{runs} x exec `true` ({runtime_name}): median {statistics.median(values):.1f} ms,"
          f" p90 {values[int(len(values) * 0.9) - 1]:.1f} ms, min {values[0]:.1f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--runtime", choices=("runc", "builtin"), default="runc")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.runs, arguments.runtime))
