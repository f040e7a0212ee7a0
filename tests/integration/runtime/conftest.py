import shutil
import tempfile
import uuid
from pathlib import Path

import pytest

from dockyard.cgroups import open_cgroup
from dockyard.runtime import BuiltinRuntime
from tests.support.daemon import mounts_under
from tests.integration.runtime.support import Bundle, docker_body, run_captured, write_bundle


@pytest.fixture
def workdir():
    base = Path(tempfile.mkdtemp(prefix="dockyard-rt-", dir="/tmp"))
    cgroup_parent = f"/dockyard-test-{uuid.uuid4().hex[:8]}"
    yield base, cgroup_parent
    leftovers = mounts_under(base)
    shutil.rmtree(base, ignore_errors=True)
    open_cgroup(cgroup_parent).delete()
    assert not leftovers, f"left mounted: {leftovers}"


@pytest.fixture
def runtime(workdir):
    base, _ = workdir
    rt = BuiltinRuntime(root=str(base / "state"))
    yield rt
    for state in rt.list():
        rt.delete(state.id, force=True)


@pytest.fixture
def run(runtime, workdir):
    """run(cmd, **HostConfig) -> Result(code, out, err) of a busybox container."""
    base, cgroup_parent = workdir

    def _run(cmd, before_delete=None, **host):
        bundle = write_bundle(base, cgroup_parent, docker_body(cmd, **host))
        return run_captured(runtime, bundle.path.name, bundle, before_delete)
    return _run


@pytest.fixture
def bundle_factory(workdir):
    base, cgroup_parent = workdir

    def _make(cmd, **host) -> Bundle:
        return write_bundle(base, cgroup_parent, docker_body(cmd, **host))
    return _make
