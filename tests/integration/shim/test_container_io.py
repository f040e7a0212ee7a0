"""The shim runs busybox containers through runc: output, stdin, TTY, exit codes, logs."""

import asyncio
import os
import signal
from pathlib import Path

import pytest

from dockyard import errors
from tests.integration.shim.harness import collect, read_until, run

pytestmark = pytest.mark.root


def test_echo_reaches_attach_and_log_and_exit_code(shim_env):
    async def scenario(launcher):
        shim = await shim_env.launch(launcher, ["sh", "-c", "echo hello; echo oops >&2; exit 3"], name="echo")
        session = await shim.attach(stdin=False, stdout=True, stderr=True)
        await shim.start()
        output = await collect(session)
        status = await shim.wait()
        await shim.shutdown()
        return output, status, session.exit_status

    (out, err), status, seen_by_session = run(scenario)
    assert (out, err) == (b"hello\n", b"oops\n")
    assert status.code == 3 and status.finished_at_ns > 0 and not status.oom_killed
    assert seen_by_session == status
    entries = shim_env.log_entries("echo")
    assert [(e["log"], e["stream"]) for e in entries] == [("hello\n", "stdout"), ("oops\n", "stderr")]
    assert all(e["time"].endswith("Z") for e in entries)


def test_exit_status_is_recorded_and_readable_without_shim(shim_env):
    from dockyard.shim.client import ShimClient

    async def scenario(launcher):
        shim = await shim_env.launch(launcher, ["true"], name="rec")
        await shim.start()
        status = await shim.wait()
        again = await shim.wait()
        await shim.shutdown()
        return shim, status, again

    shim, status, again = run(scenario)
    assert status.code == 0 and again == status
    assert ShimClient.exit_status(shim.state_dir) == status


def test_stdin_buffered_before_start_then_eof(shim_env):
    async def scenario(launcher):
        shim = await shim_env.launch(launcher, ["cat"], open_stdin=True, name="cat")
        session = await shim.attach(stdin=True, stdout=True, stderr=True)
        await session.write_stdin(b"line1\n")           # before start: must be kept
        await shim.start()
        await session.write_stdin(b"line2\n")
        await session.close_stdin()
        output = await collect(session)
        status = await shim.wait()
        await shim.shutdown()
        return output, status

    (out, err), status = run(scenario)
    assert out == b"line1\nline2\n" and err == b""
    assert status.code == 0


def test_tty_session_with_resize(shim_env):
    async def scenario(launcher):
        shim = await shim_env.launch(launcher, ["sh"], tty=True, open_stdin=True, console_size=(24, 80),
                                     name="tty")
        session = await shim.attach(stdin=True, stdout=True, stderr=True)
        await shim.start()
        seen = bytearray()
        await session.write_stdin(b"stty size\n")
        await read_until(session, b"24 80", seen)
        await shim.resize(30, 100)
        await session.write_stdin(b"stty size\n")
        await read_until(session, b"30 100", seen)
        await session.write_stdin(b"exit 5\n")
        rest = await collect(session)
        status = await shim.wait()
        await shim.shutdown()
        return bytes(seen) + rest[0], rest[1], status

    out, err, status = run(scenario)
    assert b"\r\n" in out and err == b""
    assert status.code == 5
    entries = shim_env.log_entries("tty")
    assert {e["stream"] for e in entries} == {"stdout"}
    assert "30 100" in "".join(e["log"] for e in entries)


def test_sigkill_gives_137_and_many_sessions_see_output(shim_env):
    async def scenario(launcher):
        shim = await shim_env.launch(launcher, ["sh", "-c", "echo ready; exec sleep 1000"], name="kill")
        sessions = [await shim.attach(stdin=False, stdout=True, stderr=False) for _ in range(3)]
        await shim.start()
        for session in sessions:
            assert await session.__anext__() == (1, b"ready\n")
        await shim.kill(signal.SIGKILL)
        status = await shim.wait()
        rest = [await collect(s) for s in sessions]
        with pytest.raises(errors.Conflict):
            await shim.kill(signal.SIGTERM)
        await shim.shutdown()
        return status, rest

    status, rest = run(scenario)
    assert status.code == 137
    assert rest == [(b"", b"")] * 3


def test_missing_executable_fails_create_with_runc_message(shim_env):
    async def scenario(launcher):
        with pytest.raises(errors.InvalidArgument) as failure:
            await shim_env.launch(launcher, ["/no/such/binary"], name="missing")
        with pytest.raises(errors.InvalidArgument) as not_in_path:
            await shim_env.launch(launcher, ["nosuchcommand"], name="notinpath")
        return str(failure.value), str(not_in_path.value)

    missing, not_in_path = run(scenario)
    assert "no such file or directory" in missing
    assert "executable file not found in $PATH" in not_in_path


def test_shutdown_of_a_created_container_kills_the_init(shim_env):
    async def scenario(launcher):
        shim = await shim_env.launch(launcher, ["sleep", "1000"], name="never")
        await shim.shutdown()
        await asyncio.sleep(0.05)
        return shim

    shim = run(scenario)
    assert not (shim.state_dir / "shim.sock").exists()


def test_pause_freezes_output_until_resume(shim_env):
    async def scenario(launcher):
        shim = await shim_env.launch(launcher, ["sh", "-c", "while true; do echo tick; sleep 0.05; done"],
                                     name="pause")
        session = await shim.attach(stdin=False, stdout=True, stderr=False)
        await shim.start()
        await session.__anext__()
        await shim.pause()
        in_flight = 0
        try:                                            # what was written before the freeze
            while True:
                await asyncio.wait_for(session.__anext__(), 0.4)
                in_flight += 1
        except asyncio.TimeoutError:
            pass
        frozen = in_flight <= 2                         # then 0.4 s of silence
        await shim.resume()
        resumed = await asyncio.wait_for(session.__anext__(), 5)
        await shim.kill(signal.SIGKILL)
        await collect(session)
        code = (await shim.wait()).code
        await shim.shutdown()
        return frozen, resumed, code

    frozen, resumed, code = run(scenario)
    assert frozen and resumed[0] == 1 and code == 137


def test_oom_kill_is_reported(shim_env):
    if not any(Path(p).exists() for p in ("/sys/fs/cgroup/memory/memory.oom_control", "/sys/fs/cgroup/memory.events")):
        pytest.skip("no memory cgroup controller with an oom_kill counter")

    async def scenario(launcher):
        shim = await shim_env.launch(launcher, ["sh", "-c", "x=$(head -c 300000000 /dev/zero | tr '\\0' a)"],
                                     name="oom", memory_limit=16 * 1024 * 1024)
        await shim.start()
        status = await shim.wait()
        await shim.shutdown()
        return status

    status = run(scenario)
    assert status.oom_killed           # whichever process the kernel chose to kill


def test_parallel_launches(shim_env):
    async def one(launcher, index):
        shim = await shim_env.launch(launcher, ["echo", f"container {index}"], name=f"par{index}")
        await shim.start()
        status = await shim.wait()
        await shim.shutdown()
        return status.code

    async def scenario(launcher):
        return await asyncio.gather(*(one(launcher, i) for i in range(12)))

    assert run(scenario, timeout=120) == [0] * 12
    for index in range(12):
        assert [e["log"] for e in shim_env.log_entries(f"par{index}")] == [f"container {index}\n"]


def test_large_stdin_flows_through_with_backpressure(shim_env):
    payload = bytes(range(256)) * 4096 * 8                 # 8 MiB, more than any buffer

    async def scenario(launcher):
        shim = await shim_env.launch(launcher, ["sh", "-c", "sleep 0.5; md5sum"], open_stdin=True,
                                     name="bigin", log_opts={"max-size": "1m"})
        session = await shim.attach(stdin=True, stdout=True, stderr=True)
        await shim.start()
        for offset in range(0, len(payload), 256 * 1024):
            await session.write_stdin(payload[offset:offset + 256 * 1024])
        await session.close_stdin()
        out, _ = await collect(session)
        status = await shim.wait()
        await shim.shutdown()
        return out, status

    out, status = run(scenario, timeout=60)
    import hashlib
    assert out.split()[0].decode() == hashlib.md5(payload).hexdigest()
    assert status.code == 0


def test_closed_sessions_are_dropped_by_the_shim(shim_env):
    async def scenario(launcher):
        shim = await shim_env.launch(launcher, ["sleep", "1000"], name="detach")
        await shim.start()
        shim_pid = int((shim.state_dir / "shim.pid").read_text())
        before = len(os.listdir(f"/proc/{shim_pid}/fd"))
        for _ in range(20):
            session = await shim.attach(stdin=True, stdout=True, stderr=True)
            session.close()
        await asyncio.sleep(0.2)
        after = len(os.listdir(f"/proc/{shim_pid}/fd"))
        await shim.kill(signal.SIGKILL)
        await shim.wait()
        await shim.shutdown()
        return before, after

    before, after = run(scenario)
    assert after <= before


def test_relaunch_in_the_same_state_dir_forgets_the_last_exit(shim_env):
    from dockyard.shim.client import ShimClient

    async def scenario(launcher):
        first = await shim_env.launch(launcher, ["sh", "-c", "exit 4"], name="again")
        await first.start()
        assert (await first.wait()).code == 4
        await first.shutdown()
        second = await shim_env.launch(launcher, ["sh", "-c", "exit 5"], name="again")
        stale = ShimClient.exit_status(second.state_dir)
        await second.start()
        status = await second.wait()
        await second.shutdown()
        return stale, status, ShimClient.exit_status(second.state_dir)

    stale, status, recorded = run(scenario)
    assert stale is None and status.code == 5 and recorded == status
    assert [e["log"] for e in shim_env.log_entries("again")] == []


def test_log_rotation_caps_a_chatty_container(shim_env):
    async def scenario(launcher):
        shim = await shim_env.launch(launcher, ["sh", "-c", "seq 1 5000"], name="chatty",
                                     log_opts={"max-size": "10k", "max-file": "3"})
        await shim.start()
        status = await shim.wait()
        await shim.shutdown()
        return status

    assert run(scenario).code == 0
    logs = sorted(p.name for p in (shim_env.base / "logs").iterdir())
    assert logs == ["chatty-json.log", "chatty-json.log.1", "chatty-json.log.2"]
    assert all((shim_env.base / "logs" / name).stat().st_size <= 10 * 1024 for name in logs)
    assert shim_env.log_entries("chatty")[-1]["log"] == "5000\n"


BURST = 20 * 1000 * 1000     # NULs: 120 MB of json-file, more than the log's writer keeps queued


def _logged_bytes(shim_env, name) -> int:
    return sum(len(entry["log"]) for entry in shim_env.log_entries(name))


def test_a_burst_reaches_the_client_whole_and_the_log_is_complete_when_wait_returns(shim_env):
    async def scenario(launcher):
        shim = await shim_env.launch(launcher, ["head", "-c", str(BURST), "/dev/zero"], name="burst",
                                     log_opts={"max-size": "-1"})
        session = await shim.attach(stdin=False, stdout=True, stderr=True)
        await shim.start()
        received = sum(len(data) for _, data in [item async for item in session])
        status = await shim.wait()
        logged = _logged_bytes(shim_env, "burst")     # read before shutdown: wait is the promise
        await shim.shutdown()
        return received, status.code, logged

    received, code, logged = run(scenario)
    assert (received, code, logged) == (BURST, 0, BURST)


def test_auto_remove_reports_the_exit_and_shutdown_stops_the_log_writer(shim_env):
    async def scenario(launcher):
        shim = await shim_env.launch(launcher, ["head", "-c", str(BURST), "/dev/zero"], name="rm",
                                     log_opts={"max-size": "-1"}, auto_remove=True)
        session = await shim.attach(stdin=False, stdout=True, stderr=True)
        await shim.start()
        received = sum(len(data) for _, data in [item async for item in session])
        status = await shim.wait()
        await shim.shutdown()
        log = shim_env.base / "logs" / "rm-json.log"
        size = log.stat().st_size
        await asyncio.sleep(0.2)
        return received, status.code, size, log.stat().st_size

    received, code, size, later = run(scenario)
    assert (received, code) == (BURST, 0)
    assert later == size                              # nothing writes the log after shutdown
    assert _logged_bytes(shim_env, "rm") <= BURST     # entries written whole, in order
