"""Shim hosts: the built-in runtime's containers share a host process, HOST_CAPACITY at most;
a runtime binary's container has one of its own; a container that leaves takes all its fds."""

import asyncio
import os
import shutil
import time

import pytest

from dockyard.shim.zygote import HOST_CAPACITY
from tests.integration.shim.bundles import exec_process
from tests.integration.shim.harness import collect, host_let_go, run, shim_pid


def _host_of(state_dir) -> int:
    return int((state_dir / "shim.pid").read_text())


def _fds(pid: int) -> set[str]:
    return set(os.listdir(f"/proc/{pid}/fd"))


def _settled_fds(pid: int) -> set[str]:
    """The host's fds once the connections of the requests just answered are closed (the host
    closes its end when it reads the client's end-of-file, a moment after the reply)."""
    previous = _fds(pid)
    for _ in range(100):
        time.sleep(0.05)
        now = _fds(pid)
        if now == previous:
            return now
        previous = now
    return previous


def _exited(pid: int, timeout=10.0) -> bool:
    deadline = time.monotonic() + timeout
    while os.path.exists(f"/proc/{pid}") and time.monotonic() < deadline:
        time.sleep(0.01)
    return not os.path.exists(f"/proc/{pid}")


async def _until_let_go(pid: int, state_dir) -> bool:
    for _ in range(500):
        if host_let_go(pid, state_dir):
            return True
        await asyncio.sleep(0.01)
    return False


def test_containers_share_a_host_and_one_that_leaves_takes_its_fds(shim_env):
    async def body(launcher):
        keeper = await shim_env.launch(launcher, ["sleep", "1000"], name="keeper")
        await keeper.start()
        host = _host_of(keeper.state_dir)
        before = await asyncio.to_thread(_settled_fds, host)
        guest = await shim_env.launch(launcher, ["sh", "-c", "echo guest; read x; exit 4"], name="guest",
                                      open_stdin=True)
        session = await guest.attach(stdin=True, stdout=True, stderr=True)
        await guest.start()
        await guest.exec("e", exec_process(["echo", "exec ran"]), tty=False, open_stdin=False)
        exec_out = await collect(await guest.attach_exec("e", stdin=False, stdout=True, stderr=True))
        await session.write_stdin(b"\n")
        out = await collect(session)
        status = await guest.wait()
        guest_host = _host_of(guest.state_dir)
        await guest.shutdown()
        let_go = await _until_let_go(host, guest.state_dir)
        after = _fds(host)
        info = await keeper.info()
        await keeper.kill(9)
        await keeper.wait()
        await keeper.shutdown()
        return host, guest_host, before, after, let_go, out, exec_out, status, info

    host, guest_host, before, after, let_go, out, exec_out, status, info = run(body)
    shared = shim_env.runtime.binary == "builtin"
    assert (guest_host == host) is shared         # runc's containers each have a host of their own
    assert out == (b"guest\n", b"") and exec_out == (b"exec ran\n", b"") and status.code == 4
    assert info["status"] == "running"            # the keeper served on after its neighbour left
    if shared:
        assert let_go and after == before, (before, after)
    assert _exited(host)                          # the launcher closed and the last one left


def test_a_full_host_is_followed_by_another_and_exits_when_empty(shim_env):
    if shim_env.runtime.binary != "builtin":
        pytest.skip("a runtime binary's containers never share a host")

    async def body(launcher):
        hosts = []
        for n in range(HOST_CAPACITY):           # aborted births count as much as created ones
            state = shim_env.base / "state" / f"a{n}"
            pending = await launcher.begin(
                container_id=f"a{n}", state_dir=state, bundle=shim_env.base / "never", runtime=shim_env.runtime,
                tty=False, open_stdin=False, log_path=None, log_opts={}, console_size=None)
            hosts.append(await asyncio.to_thread(shim_pid, state))
            pending.abort()
        last = await shim_env.launch(launcher, ["echo", "next"], name="next")
        session = await last.attach(stdin=False, stdout=True, stderr=True)
        await last.start()
        out = await collect(session)
        await last.wait()
        full_exited = await asyncio.to_thread(_exited, hosts[0])
        next_host = _host_of(last.state_dir)
        await last.shutdown()
        return hosts, next_host, full_exited, out

    hosts, next_host, full_exited, out = run(body)
    assert set(hosts) == {hosts[0]}
    assert next_host != hosts[0] and out == (b"next\n", b"")
    assert full_exited                            # full and empty: nothing keeps it
    assert _exited(next_host)


def test_a_container_whose_state_dir_was_removed_under_it_is_dropped(shim_env):
    """A daemon killed mid-removal may have removed the state dir of a container its host still
    keeps; the next daemon deletes the container through the runtime (recovery), and the host,
    finding the directory gone at the init's exit, drops it and keeps serving the others."""
    if shim_env.runtime.binary != "builtin":
        pytest.skip("a runtime binary's container has its host to itself")

    async def body(launcher):
        keeper = await shim_env.launch(launcher, ["sleep", "1000"], name="keeper")
        await keeper.start()
        host = _host_of(keeper.state_dir)
        before = await asyncio.to_thread(_settled_fds, host)
        doomed = await shim_env.launch(launcher, ["sleep", "1000"], name="doomed")
        await doomed.start()
        shutil.rmtree(doomed.state_dir)
        await asyncio.to_thread(shim_env.force_delete, "doomed")     # what recovery does
        doomed_log = str(shim_env.base / "logs" / "doomed-json.log")
        for _ in range(500):                # its pipes, socket and log file closed
            if len(_fds(host)) == len(before) and doomed_log not in _open_files(host):
                break
            await asyncio.sleep(0.01)
        after, files = _fds(host), _open_files(host)
        info = await keeper.info()
        await keeper.kill(9)
        await keeper.wait()
        await keeper.shutdown()
        return host, before, after, files, doomed_log, info

    host, before, after, files, doomed_log, info = run(body)
    assert len(after) == len(before), (before, after)
    assert doomed_log not in files
    assert info["status"] == "running"
    assert _exited(host)


def _open_files(pid: int) -> set[str]:
    files = set()
    for fd in _fds(pid):
        try:
            files.add(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except FileNotFoundError:
            pass
    return files
