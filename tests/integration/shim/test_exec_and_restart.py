"""exec in a running container (pipes and TTY), and shims outliving the process that launched them."""

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dockyard import errors
from dockyard.shim.client import ShimClient
from tests.integration.shim.bundles import exec_process
from tests.integration.shim.harness import collect, read_until, run

pytestmark = pytest.mark.root
WORKTREE = Path(__file__).resolve().parents[3]


def test_exec_without_tty_output_and_exit_code(shim_env):
    async def scenario(launcher):
        shim = await shim_env.launch(launcher, ["sleep", "1000"], name="host")
        await shim.start()
        pid = await shim.exec("e1", exec_process(["sh", "-c", "echo out; echo err >&2; exit 4"]),
                              tty=False, open_stdin=False)
        await asyncio.sleep(0.1)                     # output before the attach is kept for it
        session = await shim.attach_exec("e1", stdin=False, stdout=True, stderr=True)
        output = await collect(session)
        code = await shim.wait_exec("e1")
        with pytest.raises(errors.InvalidArgument) as failure:
            await shim.exec("e2", exec_process(["/nope"]), tty=False, open_stdin=False)
        with pytest.raises(errors.NotFound):
            await shim.wait_exec("unknown")
        await shim.kill(signal.SIGKILL)
        await shim.wait()
        await shim.shutdown()
        return pid, output, code, str(failure.value)

    pid, output, code, failure = run(scenario)
    assert pid > 0
    assert output == (b"out\n", b"err\n")
    assert code == 4
    assert "no such file or directory" in failure


def test_exec_with_piped_stdin(shim_env):
    async def scenario(launcher):
        shim = await shim_env.launch(launcher, ["sleep", "1000"], name="pipe")
        await shim.start()
        await shim.exec("cat", exec_process(["cat"]), tty=False, open_stdin=True)
        session = await shim.attach_exec("cat", stdin=True, stdout=True, stderr=True)
        await session.write_stdin(b"hello-exec\n")
        await session.close_stdin()
        output = await collect(session)
        code = await shim.wait_exec("cat")
        await shim.shutdown()                        # kills the still-running init
        return output, code

    output, code = run(scenario)
    assert output == (b"hello-exec\n", b"")
    assert code == 0


def test_exec_attached_streams_in_its_own_request_and_ends_with_the_exit_code(shim_env):
    async def scenario(launcher):
        shim = await shim_env.launch(launcher, ["sleep", "1000"], name="attached")
        await shim.start()
        pid, session = await shim.exec_attached(
            # it ends once its stdin does: a process that exited by itself meanwhile would race
            # the close of stdin against the shim's close of the session after END
            "a1", exec_process(["sh", "-c", "read line; echo got $line; cat; echo err >&2; exit 5"]),
            tty=False, open_stdin=True)
        await session.write_stdin(b"input\n")
        await session.close_stdin()
        output = await collect(session)
        late_wait = await shim.wait_exec("a1")         # the exec record stays for a late waiter
        with pytest.raises(errors.InvalidArgument):
            await shim.exec_attached("a2", exec_process(["/nope"]), tty=False, open_stdin=False)
        await shim.shutdown()
        return pid, output, session.exit_status.code, late_wait

    pid, output, code, late_wait = run(scenario)
    assert pid > 0
    assert output == (b"got input\n", b"err\n")
    assert code == late_wait == 5


def test_exec_with_tty_and_resize(shim_env):
    async def scenario(launcher):
        shim = await shim_env.launch(launcher, ["sleep", "1000"], name="etty")
        await shim.start()
        await shim.exec("t", exec_process(["sh"], tty=True), tty=True, open_stdin=True, console_size=(30, 100))
        session = await shim.attach_exec("t", stdin=True, stdout=True, stderr=True)
        seen = bytearray()
        await session.write_stdin(b"stty size\n")
        await read_until(session, b"30 100", seen)
        await shim.resize_exec("t", 40, 120)
        await session.write_stdin(b"stty size; exit 6\n")
        await read_until(session, b"40 120", seen)
        await collect(session)
        code = await shim.wait_exec("t")
        await shim.shutdown()
        return code

    assert run(scenario) == 6


STAND_IN_DAEMON = """
import asyncio, json, sys
from pathlib import Path
from dockyard.shim.client import RuntimeChoice
from dockyard.shim.launcher import ShimLauncher

async def main():
    base, rootfs_bundle = map(Path, sys.argv[1:3])
    runtime = RuntimeChoice.from_json(json.loads(sys.argv[3]))
    launcher = ShimLauncher()
    await launcher.start()
    shim = await launcher.launch(container_id="survivor", state_dir=base / "state" / "survivor",
        bundle=rootfs_bundle, runtime=runtime, tty=False,
        open_stdin=True, log_path=base / "logs" / "survivor-json.log", log_opts={}, console_size=None)
    await shim.start()
    quitter = await launcher.launch(container_id="quitter", state_dir=base / "state" / "quitter",
        bundle=Path(sys.argv[4]), runtime=runtime, tty=False, open_stdin=False,
        log_path=base / "logs" / "quitter-json.log", log_opts={}, console_size=None)
    await quitter.start()
    print(json.dumps({"pid": shim.pid, "zygote": launcher._process.pid}), flush=True)
    await asyncio.sleep(1000)

asyncio.run(main())
"""


def _parent_pid(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("PPid:"):
            return int(line.split()[1])
    raise AssertionError("no PPid")


def _gone_or_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] in "ZX"
    except FileNotFoundError:
        return True


def test_shim_survives_sigkill_of_its_launcher_and_is_readopted(shim_env):
    bundle = shim_env.bundle(["sh", "-c", "echo started; while read line; do echo got $line; done; exit 7"],
                             cgroup=f"/dockyard-shim-test/{shim_env.base.name}-survivor")
    quitter = shim_env.bundle(["sh", "-c", "sleep 0.3; echo bye; exit 9"],
                              cgroup=f"/dockyard-shim-test/{shim_env.base.name}-quitter")
    shim_env.names += ["survivor", "quitter"]
    env = dict(os.environ, PYTHONPATH=f"{WORKTREE / 'src'}:{WORKTREE}")
    daemon = subprocess.Popen([sys.executable, "-c", STAND_IN_DAEMON, str(shim_env.base), str(bundle),
                               json.dumps(shim_env.runtime.to_json()), str(quitter)],
                              stdout=subprocess.PIPE, env=env, text=True)
    try:
        launched = json.loads(daemon.stdout.readline())
        state_dir = shim_env.base / "state" / "survivor"
        quitter_dir = shim_env.base / "state" / "quitter"
        shim_pid = int((state_dir / "shim.pid").read_text())
        assert _parent_pid(shim_pid) != daemon.pid
        assert os.getsid(shim_pid) not in (os.getsid(0), os.getsid(daemon.pid))
    finally:
        daemon.kill()                                # SIGKILL, as an OOM killer or `kill -9` would
        daemon.wait()

    async def readopt(_launcher):
        shim = await ShimClient.connect(state_dir)
        assert shim is not None and shim.pid == launched["pid"]
        info = await shim.info()
        session = await shim.attach(stdin=True, stdout=True, stderr=True)
        await session.write_stdin(b"ping\n")
        first = await session.__anext__()
        await shim.exec("x", exec_process(["echo", "exec-after-restart"]), tty=False, open_stdin=False)
        exec_out = await collect(await shim.attach_exec("x", stdin=False, stdout=True, stderr=True))
        await session.close_stdin()
        await collect(session)
        status = await shim.wait()
        await shim.shutdown()
        assert ShimClient.exit_status(state_dir) == status      # recorded right after the replies
        gone = await ShimClient.connect(state_dir)
        await asyncio.sleep(0.5)                     # the quitter exits while no daemon runs
        quitter = await ShimClient.connect(quitter_dir)
        quitter_info = await quitter.info()
        quitter_status = await quitter.wait()
        await quitter.shutdown()
        assert quitter_info["status"] == "exited" and quitter_status.code == 9
        assert ShimClient.exit_status(quitter_dir) == quitter_status
        return info["status"], first, exec_out, status, gone

    for _ in range(100):                             # the zygote exits with its daemon
        if _gone_or_zombie(launched["zygote"]):
            break
        time.sleep(0.02)
    assert _parent_pid(shim_pid) not in (daemon.pid, launched["zygote"])
    status_word, first, exec_out, status, gone = run(readopt)
    assert _gone_or_zombie(launched["zygote"]), "the zygote outlived its daemon"
    assert status_word == "running"
    assert first == (1, b"got ping\n")
    assert exec_out == (b"exec-after-restart\n", b"")
    assert status.code == 7
    assert gone is None
    logged = [e["log"] for e in shim_env.log_entries("survivor")]
    assert logged == ["started\n", "got ping\n"]


def test_container_processes_start_with_no_ignored_or_blocked_signals(shim_env):
    probe = ["grep", "-E", "^Sig(Ign|Blk)", "/proc/self/status"]   # no sh: busybox sh ignores SIGQUIT

    async def scenario(launcher):
        shim = await shim_env.launch(launcher, ["sh", "-c", "grep -E '^Sig(Ign|Blk)' /proc/self/status; "
                                                "exec sleep 1000"], name="signals")
        session = await shim.attach(stdin=False, stdout=True, stderr=True)
        await shim.start()
        seen = bytearray()
        await read_until(session, b"SigIgn", seen)
        await read_until(session, b"\n", seen)
        await shim.exec("p", exec_process(probe), tty=False, open_stdin=False)
        exec_out = await collect(await shim.attach_exec("p", stdin=False, stdout=True, stderr=True))
        await shim.kill(signal.SIGKILL)
        await collect(session)
        await shim.wait()
        await shim.shutdown()
        return bytes(seen), exec_out[0]

    init_out, exec_out = run(scenario)
    for output in (init_out, exec_out):
        assert b"SigBlk:\t0000000000000000" in output, output
        assert b"SigIgn:\t0000000000000000" in output, output


def test_a_dead_shim_is_reported_as_gone(shim_env):
    from dockyard.shim.client import ShimGone

    async def scenario(launcher):
        shim = await shim_env.launch(launcher, ["sleep", "1000"], name="doomed")
        await shim.start()
        waiting = asyncio.ensure_future(shim.wait())
        await asyncio.sleep(0.1)
        shim_pid = int((shim.state_dir / "shim.pid").read_text())
        os.kill(shim_pid, signal.SIGKILL)
        with pytest.raises(ShimGone):
            await waiting
        with pytest.raises(ShimGone):
            await shim.kill(signal.SIGTERM)
        return await ShimClient.connect(shim.state_dir), shim

    gone, shim = run(scenario)
    assert gone is None
    shim_env.force_delete("doomed")                # kills the orphaned init, removes its cgroup
