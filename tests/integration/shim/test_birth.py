"""A shim's birth in two steps: it sets up in its host before its bundle exists, creates the
container on `go`, and leaves having made nothing when the daemon aborts (or dies) instead."""

import asyncio
import os
import time

from tests.integration.shim.harness import CGROUP_PARENT, collect, host_let_go, run, shim_pid


def _begin(env, launcher, name: str, bundle):
    env.names.append(name)
    return launcher.begin(
        container_id=name, state_dir=env.base / "state" / name, bundle=bundle, runtime=env.runtime,
        tty=False, open_stdin=False, log_path=env.base / "logs" / f"{name}-json.log", log_opts={},
        console_size=None)


def _released(pid: int, state_dir, timeout=10.0) -> bool:
    """The shim's process exited (a host of one) or, a shared host, holds nothing in state_dir."""
    deadline = time.monotonic() + timeout
    while not host_let_go(pid, state_dir) and time.monotonic() < deadline:
        time.sleep(0.01)
    return host_let_go(pid, state_dir)


def test_the_bundle_may_be_written_after_the_shim_began(shim_env):
    async def body(launcher):
        target = shim_env.base / "late-bundle"
        pending = await _begin(shim_env, launcher, "late", target)
        host = await asyncio.to_thread(shim_pid, shim_env.base / "state" / "late")
        assert not target.exists()          # the shim is up; its bundle is not there yet
        written = shim_env.bundle(["echo", "born late"], cgroup=f"{CGROUP_PARENT}/{shim_env.base.name}-late")
        written.rename(target)
        shim = await pending.go()
        session = await shim.attach(stdin=False, stdout=True, stderr=True)
        await shim.start()
        out, _ = await collect(session)
        assert out == b"born late\n"
        assert (await shim.wait()).code == 0
        await shim.shutdown()
        assert await asyncio.to_thread(_released, host, shim_env.base / "state" / "late")

    run(body)


def test_an_aborted_shim_leaves_having_made_nothing(shim_env):
    async def body(launcher):
        state = shim_env.base / "state" / "aborted"
        pending = await _begin(shim_env, launcher, "aborted", shim_env.base / "never-written")
        host = await asyncio.to_thread(shim_pid, state)
        pending.abort()
        for _ in range(500):                # the host removes its pid file as it lets go
            if not any(state.iterdir()):
                break
            await asyncio.sleep(0.01)
        assert list(state.iterdir()) == []
        assert await asyncio.to_thread(_released, host, state)

    run(body)
    assert shim_env.leftovers() == []


def test_a_shim_whose_bundle_never_came_reports_the_runtime_error(shim_env):
    async def body(launcher):
        pending = await _begin(shim_env, launcher, "nobundle", shim_env.base / "missing")
        try:
            await pending.go()
        except Exception as err:            # the runtime's own words, as any failed create
            assert "config.json" in str(err) or "no such file" in str(err).lower(), err
        else:
            raise AssertionError("a create without a bundle succeeded")

    run(body)
