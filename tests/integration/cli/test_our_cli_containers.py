"""Our `dockyard` CLI's container commands against a real dockyardd, side by side with the real
docker CLI on the same daemon: same output, same exit codes."""

import json
import re
import subprocess
import sys
import tarfile
import time
import uuid

import pytest

from tests.support.daemon import REPO

pytestmark = pytest.mark.root


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def dockyard(daemon, *args: str, input: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
    """Our CLI, with stdin when given (Daemon.dockyard has none)."""
    env = {**daemon.env, "PYTHONPATH": str(REPO / "src")}
    result = subprocess.run([sys.executable, "-m", "dockyard.cli", *args], env=env, input=input, text=True,
                            capture_output=True, timeout=120, stdin=None if input is not None else subprocess.DEVNULL)
    if check and result.returncode != 0:
        raise AssertionError(f"dockyard {' '.join(args)} exited {result.returncode}:\n{result.stderr}")
    return result


WAIT_FOR_GO = "while [ ! -e /go ]; do sleep 0.1; done"


def attached_until_go(daemon, name: str, *args: str) -> subprocess.CompletedProcess:
    """Our CLI attached to a running container that waits for /go: /go is made once the daemon
    has seen the attach (and a second more for the session to reach the shim), so the output
    after it cannot be missed however slow the machine is."""
    since = f"{time.time():.3f}"
    env = {**daemon.env, "PYTHONPATH": str(REPO / "src")}
    proc = subprocess.Popen([sys.executable, "-m", "dockyard.cli", *args], env=env, text=True,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not daemon.docker("events", "--since", since, "--until", f"{time.time():.3f}", "--filter",
                            f"container={name}", "--filter", "event=attach").stdout.strip():
        assert time.monotonic() < deadline and proc.poll() is None, "the attach never reached the daemon"
        time.sleep(0.2)
    time.sleep(1)
    daemon.docker("exec", name, "touch", "/go")
    stdout, stderr = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(args, proc.returncode, stdout, stderr)


@pytest.mark.parametrize("argv", [["sh", "-c", "echo out; echo err >&2; exit 3"], ["nosuchcommand"], ["/etc"]])
def test_run_output_and_exit_codes_match_docker(busybox, argv):
    ours = dockyard(busybox, "run", "--rm", "busybox", *argv, check=False)
    theirs = busybox.docker("run", "--rm", "busybox", *argv, check=False)
    assert (ours.returncode, ours.stdout) == (theirs.returncode, theirs.stdout)
    assert ours.returncode in (3, 127, 126)
    if ours.returncode == 3:
        assert ours.stderr == theirs.stderr == "err\n"


def test_run_pipes_stdin_and_removes_the_container(busybox):
    name = unique("cat")
    ours = dockyard(busybox, "run", "-i", "--rm", "--name", name, "busybox", "sh", "-c", "cat; echo done",
                    input="line1\nline2\n")
    assert ours.stdout == "line1\nline2\ndone\n"
    assert name not in busybox.docker("ps", "-a", "--format", "{{.Names}}").stdout
    not_a_tty = dockyard(busybox, "run", "-it", "--rm", "busybox", "true", input="", check=False)
    theirs = busybox.docker("run", "-it", "--rm", "busybox", "true", input="", check=False)
    assert (not_a_tty.returncode, not_a_tty.stderr) == (theirs.returncode, theirs.stderr) == (
        1, "the input device is not a TTY\n")


def test_run_tty_under_script(busybox):
    command = (f"stty rows 30 cols 100; {sys.executable} -m dockyard.cli run -it --rm busybox "
               "sh -c 'tty; stty size; exit 4'")
    env = {**busybox.env, "PYTHONPATH": str(REPO / "src")}
    result = subprocess.run(["script", "-eqc", command, "/dev/null"], env=env, capture_output=True, text=True,
                            timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 4
    assert "/dev/pts/0" in result.stdout


def test_detached_run_logs_ps_and_inspect(busybox, tmp_path):
    name = unique("web")
    cid = dockyard(busybox, "run", "-d", "--name", name, "-p", "127.0.0.1::80", "--label", "tier=front",
                   "--cidfile", str(tmp_path / "cid"),
                   "busybox", "sh", "-c", "echo out; echo err >&2; exec sleep 60").stdout.strip()
    try:
        assert len(cid) == 64 and (tmp_path / "cid").read_text() == cid
        busybox.docker("exec", name, "true")
        logs = dockyard(busybox, "logs", name)
        assert (logs.stdout, logs.stderr) == ("out\n", "err\n")
        assert dockyard(busybox, "logs", "-t", "--tail", "1", name).stderr.endswith("Z err\n")
        table = "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.Ports}}\t{{.Names}}\t{{.Labels}}\t{{.Networks}}"
        for args in (["ps", "--filter", f"name={name}", "--format", table], ["ps", "-q", "--no-trunc"],
                     ["ps", "-a", "-n", "1", "--format", "{{.Names}} {{.State}}"]):
            assert dockyard(busybox, *args).stdout == busybox.docker(*args).stdout
        # column widths follow the STATUS text of the moment ("Less than a second" → "1 second")
        header = dockyard(busybox, "ps", "-s", "--filter", f"name={name}").stdout.splitlines()[0]
        theirs = busybox.docker("ps", "-s", "--filter", f"name={name}").stdout.splitlines()[0]
        assert re.split(r"\s{2,}", header) == re.split(r"\s{2,}", theirs)
        assert dockyard(busybox, "port", name).stdout == busybox.docker("port", name).stdout
        fmt = "{{.Name}} {{.State.Running}} {{.Config.Labels.tier}}"
        assert dockyard(busybox, "inspect", "-f", fmt, name).stdout == f"/{name} true front\n"
        assert json.loads(dockyard(busybox, "container", "inspect", name).stdout)[0]["Id"] == cid
        missing = dockyard(busybox, "inspect", "nosuch-object", check=False)
        assert missing.returncode == 1 and missing.stderr == busybox.docker("inspect", "nosuch-object",
                                                                            check=False).stderr
    finally:
        busybox.docker("rm", "-f", name)


def test_exec_exit_codes_stdin_env_and_workdir(busybox):
    name = unique("box")
    busybox.docker("run", "-d", "--name", name, "busybox", "sleep", "60")
    try:
        for argv in (["sh", "-c", "exit 7"], ["nosuchcommand"]):
            ours = dockyard(busybox, "exec", name, *argv, check=False)
            assert ours.returncode == busybox.docker("exec", name, *argv, check=False).returncode
        assert dockyard(busybox, "exec", name, "sh", "-c", "exit 7", check=False).returncode == 7
        out = dockyard(busybox, "exec", "-e", "FOO=bar", "-w", "/tmp", "-u", "nobody", name,
                       "sh", "-c", "echo $FOO; pwd; id -u").stdout.split()
        assert out == ["bar", "/tmp", "65534"]
        assert dockyard(busybox, "exec", "-i", name, "cat", input="piped\n").stdout == "piped\n"
        dockyard(busybox, "exec", "-d", name, "touch", "/tmp/detached")
        busybox.docker("exec", name, "sh", "-c", "for i in 1 2 3 4 5; do test -e /tmp/detached && exit; sleep 0.2; done; exit 1")
        stopped = unique("stopped")
        busybox.docker("create", "--name", stopped, "busybox", "true")
        refused = dockyard(busybox, "exec", stopped, "true", check=False)
        busybox.docker("rm", stopped)
        assert refused.returncode == 1 and "is not running" in refused.stderr
    finally:
        busybox.docker("rm", "-f", name)


def test_lifecycle_commands(busybox):
    name, renamed = unique("life"), unique("renamed")
    dockyard(busybox, "create", "--name", name, "busybox", "sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.1; done")
    try:
        assert dockyard(busybox, "start", name).stdout == f"{name}\n"
        assert dockyard(busybox, "pause", name).stdout == f"{name}\n"
        assert busybox.docker("inspect", "-f", "{{.State.Status}}", name).stdout.strip() == "paused"
        dockyard(busybox, "unpause", name)
        dockyard(busybox, "rename", name, renamed)
        dockyard(busybox, "update", "-m", "64m", "--memory-swap", "128m", "--pids-limit", "100", renamed)
        fmt = "{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}}"
        assert busybox.docker("inspect", "-f", fmt, renamed).stdout == "67108864 100\n"
        top = dockyard(busybox, "top", renamed).stdout.splitlines()
        assert top[0].split()[:3] == ["UID", "PID", "PPID"] and len(top) >= 2
        stats = dockyard(busybox, "stats", "--no-stream", renamed).stdout.splitlines()
        # The header's padding follows the widest value below it (NET I/O grows between the two calls).
        theirs = busybox.docker("stats", "--no-stream", renamed).stdout.splitlines()[0]
        assert re.split(r"\s{2,}", stats[0]) == re.split(r"\s{2,}", theirs)
        assert stats[1].split()[1] == renamed
        assert dockyard(busybox, "stop", "-t", "5", renamed).stdout == f"{renamed}\n"
        assert dockyard(busybox, "wait", renamed).stdout == "0\n"
        dockyard(busybox, "restart", "-t", "1", renamed)
        dockyard(busybox, "kill", "-s", "KILL", renamed)
        assert dockyard(busybox, "wait", renamed).stdout == "137\n"
        assert dockyard(busybox, "rm", renamed).stdout == f"{renamed}\n"
    finally:
        busybox.docker("rm", "-f", renamed, check=False)
        busybox.docker("rm", "-f", name, check=False)
    gone = dockyard(busybox, "rm", renamed, check=False)
    assert (gone.returncode, gone.stderr) == (1, busybox.docker("rm", renamed, check=False).stderr)


def test_start_attach_and_attach(busybox):
    name = unique("once")
    busybox.docker("create", "--name", name, "busybox", "sh", "-c", "echo hi; echo oops >&2; exit 3")
    try:
        started = dockyard(busybox, "start", "-a", name, check=False)
        assert (started.returncode, started.stdout, started.stderr) == (3, "hi\n", "oops\n")
        busybox.docker("rm", name)
        busybox.docker("run", "-d", "--name", name, "busybox", "sh", "-c", f"{WAIT_FOR_GO}; echo later; exit 5")
        attached = attached_until_go(busybox, name, "attach", name)
        assert (attached.returncode, attached.stdout) == (5, "later\n")
        refused = dockyard(busybox, "attach", name, check=False)
        assert refused.returncode == 1 and "You cannot attach to a stopped container" in refused.stderr
        busybox.docker("rm", name)
        busybox.docker("run", "-d", "--name", name, "busybox", "sh", "-c", f"{WAIT_FOR_GO}; echo again; exit 2")
        rejoined = attached_until_go(busybox, name, "start", "-a", name)  # already running: just attaches
        assert (rejoined.returncode, rejoined.stdout) == (2, "again\n")
        busybox.docker("rm", name)
        busybox.docker("run", "-d", "--name", name, "busybox", "sh", "-c", "echo first; sleep 1; echo last >&2")
        followed = dockyard(busybox, "logs", "-f", name)  # returns when the container exits
        assert (followed.stdout, followed.stderr) == ("first\n", "last\n")
    finally:
        busybox.docker("rm", "-f", name)


def test_cp_both_ways_diff_commit_export(busybox, tmp_path):
    name = unique("files")
    busybox.docker("run", "-d", "--name", name, "busybox", "sleep", "60")
    try:
        (tmp_path / "a.txt").write_text("alpha\n")
        (tmp_path / "dir" / "sub").mkdir(parents=True)
        (tmp_path / "dir" / "sub" / "n.txt").write_text("nested\n")
        dockyard(busybox, "cp", str(tmp_path / "a.txt"), f"{name}:/tmp/renamed.txt")
        dockyard(busybox, "cp", str(tmp_path / "dir"), f"{name}:/tmp/")
        out = busybox.docker("exec", name, "sh", "-c", "cat /tmp/renamed.txt /tmp/dir/sub/n.txt; "
                                                      "stat -c %u /tmp/dir/sub/n.txt").stdout
        assert out == "alpha\nnested\n0\n"
        dockyard(busybox, "cp", f"{name}:/tmp/dir", str(tmp_path / "back"))
        assert (tmp_path / "back" / "sub" / "n.txt").read_text() == "nested\n"
        dockyard(busybox, "cp", f"{name}:/tmp/renamed.txt", str(tmp_path / "back"))
        assert (tmp_path / "back" / "renamed.txt").read_text() == "alpha\n"
        tar_out = subprocess.run([sys.executable, "-m", "dockyard.cli", "cp", f"{name}:/etc/passwd", "-"],
                                 env={**busybox.env, "PYTHONPATH": str(REPO / "src")}, capture_output=True,
                                 timeout=60, check=True).stdout
        (tmp_path / "p.tar").write_bytes(tar_out)
        with tarfile.open(tmp_path / "p.tar") as tar:
            assert tar.getnames() == ["passwd"]
        missing = dockyard(busybox, "cp", f"{name}:/nonexistent", str(tmp_path), check=False)
        assert (missing.returncode, missing.stderr) == (1, busybox.docker("cp", f"{name}:/nonexistent",
                                                                          str(tmp_path), check=False).stderr)
        assert dockyard(busybox, "diff", name).stdout == busybox.docker("diff", name).stdout
        image = unique("committed")
        image_id = dockyard(busybox, "commit", "-c", "ENV FOO=bar", "-m", "msg", name, f"{image}:1").stdout.strip()
        assert image_id.startswith("sha256:")
        assert dockyard(busybox, "run", "--rm", f"{image}:1", "sh", "-c",
                        "cat /tmp/renamed.txt; echo $FOO").stdout == "alpha\nbar\n"
        busybox.docker("rmi", f"{image}:1")
        dockyard(busybox, "export", "-o", str(tmp_path / "export.tar"), name)
        with tarfile.open(tmp_path / "export.tar") as tar:
            assert "tmp/dir/sub/n.txt" in tar.getnames()
    finally:
        busybox.docker("rm", "-f", name)


def test_container_prune_and_system_df(busybox):
    name = unique("done")
    busybox.docker("run", "--name", name, "busybox", "true")
    assert dockyard(busybox, "system", "df").stdout == busybox.docker("system", "df").stdout
    verbose = dockyard(busybox, "system", "df", "-v").stdout
    assert "Local Volumes space usage:" in verbose and name in verbose
    pruned = dockyard(busybox, "container", "prune", "-f").stdout
    assert pruned.startswith("Deleted Containers:\n") and pruned.endswith("Total reclaimed space: 0B\n")
    assert name not in busybox.docker("ps", "-a", "--format", "{{.Names}}").stdout
