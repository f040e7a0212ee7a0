"""create/start split, state, exec, pause/resume, kill/delete, errors, TTY, and the CLI."""

import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from dockyard.errors import Conflict, NotFound
from dockyard.runtime import RuntimeFailure
from dockyard.runtime.console import receive_console
from tests.integration.runtime.support import cli_env, read_all

pytestmark = [pytest.mark.root,
              pytest.mark.skipif(not os.path.exists("/bin/busybox"), reason="needs busybox-static")]


def _wait_status(runtime, cid, status, timeout=5.0):
    deadline = time.monotonic() + timeout
    while runtime.state(cid).status != status:
        assert time.monotonic() < deadline, runtime.state(cid)
        time.sleep(0.01)


def test_create_waits_until_start_then_runs(runtime, bundle_factory):
    bundle = bundle_factory(["sh", "-c", "echo started; sleep 30"])
    out_r, out_w = os.pipe()
    pid = runtime.create("c1", str(bundle.path), stdio=(0, out_w, out_w))
    os.close(out_w)
    assert runtime.state("c1").status == "created" and runtime.state("c1").pid == pid
    with open(f"/proc/{pid}/status") as f:
        assert "NSpid" in f.read()
    runtime.start("c1")
    assert os.read(out_r, 100) == b"started\n"
    assert runtime.state("c1").status == "running"
    with pytest.raises(Conflict):
        runtime.start("c1")
    with pytest.raises(Conflict):
        runtime.delete("c1")
    runtime.pause("c1")
    assert runtime.state("c1").status == "paused"
    runtime.resume("c1")
    runtime.kill("c1", signal.SIGKILL)
    os.waitpid(pid, 0)
    assert runtime.state("c1").status == "stopped"
    runtime.delete("c1")
    os.close(out_r)
    with pytest.raises(NotFound):
        runtime.state("c1")


def test_exec_joins_the_containers_namespaces_and_cgroup(runtime, bundle_factory):
    bundle = bundle_factory(["sleep", "30"], config_Hostname="box")
    pid = runtime.create("c2", str(bundle.path))
    runtime.start("c2")
    out_r, out_w = os.pipe()
    process = dict(bundle.spec["process"], args=["sh", "-c", "hostname; echo $$; ls /proc | grep -c '^[0-9]'; cat /proc/self/cgroup | grep memory"])
    exec_pid = runtime.exec("c2", process, stdio=(0, out_w, out_w))
    os.close(out_w)
    out = read_all(out_r).split("\n")
    _, status = os.waitpid(exec_pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert out[0] == "box" and int(out[1]) > 1 and int(out[2]) <= 4
    assert out[3].endswith(bundle.cgroup_path) or out[3].endswith(":/"), out
    runtime.delete("c2", force=True)
    os.waitpid(pid, 0)


def test_missing_and_non_executable_commands_fail_create_with_dockers_words(runtime, bundle_factory):
    for cmd, words in ((["nope"], "executable file not found in $PATH"),
                       (["/nope"], "no such file or directory"),
                       (["/etc/passwd"], "permission denied")):
        bundle = bundle_factory(cmd)
        with pytest.raises(RuntimeFailure, match=words.replace("$", r"\$")):
            runtime.create("bad", str(bundle.path), stdio=(0, 1, os.open("/dev/null", os.O_WRONLY)))
        assert runtime.list() == []


def test_exec_errors_reach_the_caller(runtime, bundle_factory):
    bundle = bundle_factory(["sleep", "30"])
    pid = runtime.create("c3", str(bundle.path))
    runtime.start("c3")
    with pytest.raises(RuntimeFailure, match="executable file not found"):
        runtime.exec("c3", dict(bundle.spec["process"], args=["nope"]))
    with pytest.raises(RuntimeFailure, match=r"chdir to cwd \('/nope/x'\)"):
        runtime.exec("c3", dict(bundle.spec["process"], args=["true"], cwd="/nope/x"))
    runtime.delete("c3", force=True)
    os.waitpid(pid, 0)


def test_terminal_master_arrives_over_the_console_socket(runtime, bundle_factory, workdir):
    base, _ = workdir
    bundle = bundle_factory(["sh", "-c", "tty; stty size"], config_Tty=True, ConsoleSize=[30, 100])
    path = str(base / "console.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)
    pid = runtime.create("tty", str(bundle.path), console_socket=path)
    conn, _ = server.accept()
    master, pty_path = receive_console(conn)
    runtime.start("tty")
    output = b""
    while True:
        try:
            chunk = os.read(master, 1024)
        except OSError:  # EIO once the slave side is gone
            break
        if not chunk:
            break
        output += chunk
    os.waitpid(pid, 0)
    assert pty_path.startswith("/dev/pts/")
    assert output.decode().split() == [pty_path, "30", "100"]
    for closing in (master, conn.detach(), server.detach()):
        os.close(closing)
    runtime.delete("tty")


def _cli(root, *args):
    """Run our CLI; output goes through files because a container keeps the stdio it inherits
    open long after `create` exits (pipes would never see EOF)."""
    with open(os.path.join(root + ".out"), "w+") as out, open(root + ".err", "w+") as err:
        proc = subprocess.run([sys.executable, "-m", "dockyard.runtime", "--root", root, *args],
                              stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=cli_env(),
                              timeout=30)
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(proc.args, proc.returncode, out.read(), err.read())


def test_runc_style_cli(bundle_factory, workdir):
    base, _ = workdir
    root = str(base / "cli-state")
    bundle = bundle_factory(["sleep", "30"])
    pid_file = base / "pid"
    assert _cli(root, "create", "--bundle", str(bundle.path), "--pid-file", str(pid_file), "x").returncode == 0
    pid = int(pid_file.read_text())
    state = json.loads(_cli(root, "state", "x").stdout)
    assert (state["status"], state["pid"]) == ("created", pid)
    assert _cli(root, "start", "x").returncode == 0
    assert json.loads(_cli(root, "state", "x").stdout)["status"] == "running"
    assert _cli(root, "exec", "x", "sh", "-c", "exit 4").returncode == 4
    refused = _cli(root, "delete", "x")
    assert refused.returncode == 1 and "not stopped" in refused.stderr
    assert _cli(root, "kill", "x", "KILL").returncode == 0
    deadline = time.monotonic() + 5
    while json.loads(_cli(root, "state", "x").stdout)["status"] != "stopped":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert _cli(root, "delete", "x").returncode == 0
    missing = _cli(root, "state", "x")
    assert missing.returncode == 1 and "does not exist" in missing.stderr


def test_cli_run_returns_the_exit_code(bundle_factory, workdir):
    base, _ = workdir
    bundle = bundle_factory(["sh", "-c", "echo hi; exit 7"])
    done = _cli(str(base / "cli-state"), "run", "--bundle", str(bundle.path), "r")
    assert (done.returncode, done.stdout) == (7, "hi\n")


def _read_until_eof(master: int) -> bytes:
    output = b""
    while True:
        try:
            chunk = os.read(master, 1024)
        except OSError:  # EIO: the slave side closed
            return output
        if not chunk:
            return output
        output += chunk


def test_exec_with_a_terminal(runtime, bundle_factory, workdir):
    base, _ = workdir
    bundle = bundle_factory(["sleep", "30"])
    pid = runtime.create("t2", str(bundle.path))
    runtime.start("t2")
    path = str(base / "exec-console.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)
    process = dict(bundle.spec["process"], args=["sh", "-c", "tty; echo $TERM"], terminal=True,
                   env=[*bundle.spec["process"]["env"], "TERM=xterm"])
    exec_pid = runtime.exec("t2", process, console_socket=path)
    conn, _ = server.accept()
    master, _ = receive_console(conn)
    output = _read_until_eof(master).decode().split()
    os.waitpid(exec_pid, 0)
    assert output[0].startswith("/dev/pts/") and output[1] == "xterm", output
    for fd in (master, conn.detach(), server.detach()):
        os.close(fd)
    runtime.delete("t2", force=True)
    os.waitpid(pid, 0)


def test_init_reaper_forwards_signals(runtime, bundle_factory):
    bundle = bundle_factory(["sh", "-c", "trap 'exit 9' TERM; while true; do sleep 0.1; done"], Init=True)
    pid = runtime.create("r1", str(bundle.path))
    runtime.start("r1")
    time.sleep(0.3)
    runtime.kill("r1", signal.SIGTERM)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 9
    runtime.delete("r1")


def test_joining_another_containers_namespaces_by_path(runtime, bundle_factory):
    first = bundle_factory(["sleep", "30"], config_Hostname="shared")
    pid = runtime.create("ns1", str(first.path))
    runtime.start("ns1")
    second = bundle_factory(["sh", "-c", "hostname; readlink /proc/self/ns/net"])
    spec = json.loads((second.path / "config.json").read_text())
    for ns in spec["linux"]["namespaces"]:
        if ns["type"] in ("uts", "network", "ipc"):
            ns["path"] = f"/proc/{pid}/ns/{'net' if ns['type'] == 'network' else ns['type']}"
    (second.path / "config.json").write_text(json.dumps(spec))
    out_r, out_w = os.pipe()
    pid2 = runtime.create("ns2", str(second.path), stdio=(0, out_w, out_w))
    os.close(out_w)
    runtime.start("ns2")
    hostname, netns = read_all(out_r).split()
    os.waitpid(pid2, 0)
    assert hostname == "shared" and netns == os.readlink(f"/proc/{pid}/ns/net")
    runtime.delete("ns2")
    runtime.delete("ns1", force=True)
    os.waitpid(pid, 0)


def test_runtime_on_a_v2_hierarchy_with_a_cgroup_namespace(workdir):
    """On this hybrid host the unified mount stands in for a v2 host: the container joins a
    v2 cgroup, sees it as its root through a cgroup namespace, and the BPF device filter holds."""
    from dockyard.cgroups.mounts import read_hierarchies
    from dockyard.runtime import BuiltinRuntime
    from tests.integration.runtime.support import docker_body, run_captured, write_bundle
    v2 = next((h.mountpoint for h in read_hierarchies() if h.version == 2), None)
    if not v2:
        pytest.skip("no cgroup2 mount")
    base, cgroup_parent = workdir
    body = docker_body(["sh", "-c", "cat /proc/self/cgroup | grep '^0::'; grep ' /sys/fs/cgroup ' /proc/mounts | cut -d' ' -f3; "
                                    "mknod /dev/mem2 c 1 1 && cat /dev/mem2"])
    bundle = write_bundle(base, cgroup_parent, body)
    spec = json.loads((bundle.path / "config.json").read_text())
    spec["linux"]["namespaces"].append({"type": "cgroup"})
    (bundle.path / "config.json").write_text(json.dumps(spec))
    runtime = BuiltinRuntime(root=str(base / "v2-state"), cgroup_root=v2)
    try:
        r = run_captured(runtime, "v2", bundle)
    finally:
        from dockyard.cgroups import open_cgroup
        open_cgroup(cgroup_parent, mount_root=v2).delete()
    assert r.out.split() == ["0::/", "cgroup2"] and "Operation not permitted" in r.err, r


@pytest.mark.parametrize("which", ["builtin", "runc"])
def test_update_and_ps_through_both_runtimes(which, runtime, bundle_factory, workdir):
    from dockyard.cgroups import open_cgroup
    from dockyard.runtime import OciCliRuntime
    base, _ = workdir
    if which == "runc":
        if not os.path.exists("/usr/sbin/runc"):
            pytest.skip("needs runc")
        runtime = OciCliRuntime("/usr/sbin/runc", str(base / "runc-state"))
    bundle = bundle_factory(["sleep", "30"], Memory=64 << 20)
    pid = runtime.create("u1", str(bundle.path), stdio=(0, 1, 2))
    runtime.start("u1")
    assert runtime.pids("u1") == [pid]
    runtime.update("u1", {"memory": {"limit": 96 << 20, "swap": 192 << 20}, "pids": {"limit": 50}})
    cgroup = open_cgroup(bundle.cgroup_path)
    assert cgroup.stats().memory_limit == 96 << 20
    runtime.delete("u1", force=True)
    if which == "builtin":
        os.waitpid(pid, 0)


def test_exec_failure_after_start_reaches_start_and_run_cleans_up(runtime, bundle_factory):
    """execve itself failing (here: a script whose interpreter is missing) is only seen after
    `start`: the library caller gets the message from start(); `create(start_now=True)` removes
    the container again."""
    bundle = bundle_factory(["/script"])
    script = bundle.path / "rootfs" / "script"
    script.write_text("#!/no/such/interpreter\n")
    script.chmod(0o755)
    pid = runtime.create("late", str(bundle.path), stdio=(0, 1, os.open("/dev/null", os.O_WRONLY)))
    with pytest.raises(RuntimeFailure, match="no such file or directory"):
        runtime.start("late")
    os.waitpid(pid, 0)
    runtime.delete("late")
    with pytest.raises(RuntimeFailure, match="no such file or directory"):
        runtime.create("late2", str(bundle.path), stdio=(0, 1, os.open("/dev/null", os.O_WRONLY)),
                       start_now=True)
    assert runtime.list() == []
