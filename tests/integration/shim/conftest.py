"""Shim fixtures: a busybox rootfs, per-test state dirs, a launcher; nothing left behind."""

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.integration.shim.bundles import make_rootfs
from tests.integration.shim.harness import ShimEnv


@pytest.fixture(scope="session")
def rootfs():
    base = Path(tempfile.mkdtemp(prefix="dockyard-shim-rootfs-", dir="/tmp"))
    yield make_rootfs(base / "rootfs")
    shutil.rmtree(base, ignore_errors=True)
    for parent in Path("/sys/fs/cgroup").glob("*/dockyard-shim-test"):
        try:
            parent.rmdir()                      # the tests' cgroup parent, once empty
        except OSError:
            pass


@pytest.fixture(params=["runc", "builtin"])
def shim_env(request, rootfs):
    base = Path(tempfile.mkdtemp(prefix="dys-", dir="/tmp"))
    env = ShimEnv(base, rootfs, request.param)
    yield env
    leftovers = env.leftovers()
    for pid_file in (base / "state").glob("*/shim.pid"):
        try:
            os.kill(int(pid_file.read_text()), 9)
        except (ProcessLookupError, ValueError):
            pass
    for name in env.runtime.root.glob("*") if env.runtime.root.exists() else []:
        env.force_delete(name.name)
    shutil.rmtree(base, ignore_errors=True)
    assert not leftovers, leftovers
