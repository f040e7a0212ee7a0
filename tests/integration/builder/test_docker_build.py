"""`docker build` (classic builder) of the real docker CLI and docker-py against a real dockyardd."""

import io
import json
import os
import tarfile

import pytest

pytestmark = pytest.mark.root

MULTI_STAGE = """\
ARG BASE=busybox
FROM $BASE AS builder
ARG GREETING=hello
RUN echo "$GREETING from build" > /greet.txt && cat /greet.txt
FROM busybox AS final
ENV PATH=/bin
WORKDIR /srv/app
COPY --from=builder /greet.txt ./
COPY --chown=nobody:nogroup --chmod=640 data/ data/
ADD bundle.tar.gz /opt/
CMD ["cat", "greet.txt"]
FROM final AS broken
RUN echo about to fail && exit 3
"""


def _bundle() -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        info = tarfile.TarInfo("unpacked/inside.txt")
        info.size = 6
        tar.addfile(info, io.BytesIO(b"inside"))
    return out.getvalue()


@pytest.fixture
def context(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "one.txt").write_text("one\n")
    (tmp_path / "Dockerfile").write_text(MULTI_STAGE)
    (tmp_path / "bundle.tar.gz").write_bytes(_bundle())
    (tmp_path / "secret.env").write_text("TOKEN=x\n")
    (tmp_path / ".dockerignore").write_text("secret.env\n")
    return tmp_path


def build(d, *args, check=True):
    return d.docker("build", *args, check=check, timeout=180)


def _containers(d) -> set[str]:
    return set(d.docker("ps", "-aq", "--no-trunc").stdout.split())


def test_multi_stage_build_with_args_runs_and_records_history(busybox, context):
    before = _containers(busybox)
    result = build(busybox, "--build-arg", "GREETING=hi", "--target", "final", "--label", "team=core",
                   "-t", "built/multi:1", str(context))
    out = result.stdout
    assert "Step 1/12 : ARG BASE=busybox" in out and "Step 12/12 : LABEL team=core" in out
    assert "hi from build" in out and " ---> Running in " in out and "Removing intermediate container" in out
    assert "Successfully tagged built/multi:1" in out
    assert _containers(busybox) == before                       # no intermediate container left
    assert busybox.docker("run", "--rm", "built/multi:1").stdout == "hi from build\n"
    listing = busybox.docker("run", "--rm", "built/multi:1", "sh", "-c",
                             "stat -c '%U:%G %a' data/one.txt; cat /opt/unpacked/inside.txt; echo; pwd").stdout
    assert listing.split("\n")[:3] == ["nobody:nogroup 640", "inside", "/srv/app"]
    info = json.loads(busybox.docker("image", "inspect", "built/multi:1").stdout)[0]
    assert info["Config"]["Labels"] == {"team": "core"} and info["Config"]["WorkingDir"] == "/srv/app"
    assert info["Config"]["Cmd"] == ["cat", "greet.txt"] and info["Parent"].startswith("sha256:")
    history = busybox.docker("history", "--no-trunc", "--format", "{{.CreatedBy}}", "built/multi:1").stdout
    assert "#(nop)  CMD [\"cat\" \"greet.txt\"]" in history and "COPY dir:" in history


def test_second_build_is_fully_cached_and_a_changed_file_invalidates_from_its_copy(busybox, context):
    first = build(busybox, "-t", "built/cache:1", "--target", "final", str(context)).stdout
    second = build(busybox, "-t", "built/cache:1", "--target", "final", str(context)).stdout
    steps = second.count("Step ")
    assert second.count(" ---> Using cache") == steps - 3          # every step but the meta ARG and the two FROMs
    assert first.splitlines()[-2] == second.splitlines()[-2]       # Successfully built <same id>
    (context / "data" / "one.txt").write_text("changed\n")
    third = build(busybox, "-t", "built/cache:1", "--target", "final", str(context)).stdout
    before_copy, after_copy = third.split("COPY --chown")
    assert before_copy.count("Using cache") == 5 and "Using cache" not in after_copy
    nocache = build(busybox, "--no-cache", "--target", "final", str(context)).stdout
    assert "Using cache" not in nocache


def test_failing_run_exits_with_its_code_and_keeps_its_container_unless_force_rm(busybox, context):
    before = _containers(busybox)
    result = build(busybox, str(context), check=False)
    assert result.returncode == 3
    assert "The command '/bin/sh -c echo about to fail && exit 3' returned a non-zero code: 3" in result.stderr
    assert "about to fail" in result.stdout
    (kept,) = _containers(busybox) - before  # as dockerd: the failed step's container stays to be looked at
    state = busybox.docker("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", kept).stdout.split()
    assert state == ["exited", "3"]
    busybox.docker("rm", kept)
    forced = build(busybox, "--force-rm", str(context), check=False)
    assert forced.returncode == 3 and _containers(busybox) == before


def test_quiet_iidfile_dockerfile_path_and_ignored_files(busybox, tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "build.df").write_text("FROM busybox\nCOPY . /ctx/\nRUN ls /ctx > /listing\n")
    (tmp_path / "keep.txt").write_text("k")
    (tmp_path / "skip.log").write_text("s")
    (tmp_path / ".dockerignore").write_text("*.log\nsub\n!sub/build.df\n")
    iid = tmp_path / "iid"
    result = build(busybox, "-q", "-f", str(tmp_path / "sub" / "build.df"), "--iidfile", str(iid), str(tmp_path))
    image_id = result.stdout.strip()
    assert image_id.startswith("sha256:") and iid.read_text().strip() == image_id   # with -q the CLI writes the streamed line
    listing = busybox.docker("run", "--rm", image_id, "cat", "/listing").stdout.split()
    assert "keep.txt" in listing and "skip.log" not in listing


def test_hostile_and_broken_dockerfiles_get_clear_errors(busybox, tmp_path):
    cases = {"FROM busybox\nCOPY ../outside /x\n": "forbidden path outside the build context",
             "FROM busybox\nCOPY missing.txt /x\n": "file not found in build context",
             "FROM busybox\nBOGUS x\n": "unknown instruction: BOGUS",
             "FROM 127.0.0.1:9/no-such-image:9\n": "127.0.0.1:9"}   # nothing listens on port 9
    for text, message in cases.items():
        (tmp_path / "Dockerfile").write_text(text)
        result = build(busybox, str(tmp_path), check=False)
        assert result.returncode == 1 and message in result.stderr, (text, result.stderr)


def test_docker_py_builds_with_buildargs_and_streams_logs(busybox, context):
    client = busybox.client()
    image, logs = client.images.build(path=str(context), tag="built/py:1", target="final",
                                      buildargs={"GREETING": "py"}, rm=True)
    lines = "".join(entry.get("stream", "") for entry in logs)
    assert "py from build" in lines and "Successfully built" in lines
    assert image.tags == ["built/py:1"]
    assert client.containers.run("built/py:1", remove=True) == b"py from build\n"
    with pytest.raises(Exception) as failed:
        client.images.build(path=str(context), forcerm=True)
    assert "returned a non-zero code: 3" in str(failed.value)
    client.close()


def _context_tar(files: dict[str, bytes], mode: str) -> io.BytesIO:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode=mode) as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    out.seek(0)
    return out


def test_api_stream_shape_compressed_contexts_quiet_and_prune(busybox):
    api = busybox.client().api
    dockerfile = b"FROM busybox AS one\nRUN echo one > /one\nFROM one\nCOPY f /f\n"
    for mode, encoding in (("w:gz", "gzip"), ("w:bz2", "bzip2"), ("w:xz", "xz")):
        lines = list(api.build(fileobj=_context_tar({"Dockerfile": dockerfile, "f": b"f"}, mode),
                               custom_context=True, encoding=encoding, decode=True, rm=True))
        aux = [line["aux"]["ID"] for line in lines if "aux" in line]
        assert len(aux) == 2 and all(a.startswith("sha256:") for a in aux)   # one per stage
        assert lines[-1]["stream"] == f"Successfully built {aux[-1][7:19]}\n"
    quiet = list(api.build(fileobj=_context_tar({"Dockerfile": dockerfile, "f": b"f"}, "w"),
                           custom_context=True, decode=True, quiet=True))
    assert quiet == [{"stream": aux[-1] + "\n"}]
    failing = list(api.build(fileobj=_context_tar({"Dockerfile": b"FROM busybox\nRUN exit 5\n"}, "w"),
                             custom_context=True, decode=True, forcerm=True))
    assert failing[-1]["errorDetail"] == {"code": 5, "message": "The command '/bin/sh -c exit 5' returned a non-zero code: 5"}
    hostile = list(api.build(fileobj=_context_tar({"Dockerfile": b"FROM busybox\n", "../x": b"x"}, "w"),
                             custom_context=True, decode=True))
    assert "outside" in hostile[-1]["errorDetail"]["message"]
    api.prune_builds()                       # what earlier tests' cache mounts left
    assert api.prune_builds() == {"CachesDeleted": None, "SpaceReclaimed": 0}
    api.close()


def test_a_client_that_goes_away_cancels_the_build_and_its_container(busybox, tmp_path):
    import subprocess
    import time
    (tmp_path / "Dockerfile").write_text("FROM busybox\nRUN echo started; sleep 60\n")
    before = _containers(busybox)
    cli = subprocess.Popen(["docker", "build", "--no-cache", str(tmp_path)], env=busybox.env,
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        for line in cli.stdout:
            if line.startswith("started"):
                break
        assert _containers(busybox) != before
    finally:
        cli.kill()
        cli.wait()
    deadline = time.monotonic() + 10
    while _containers(busybox) != before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _containers(busybox) == before


def test_the_run_container_of_a_build_whose_daemon_died_is_removed_at_the_next_start(fresh_daemon, tmp_path):
    import subprocess
    import time

    from tests.support.busybox import import_busybox

    fresh_daemon.start()
    import_busybox(fresh_daemon)
    (tmp_path / "Dockerfile").write_text("FROM busybox\nRUN sleep 120\n")
    build_cli = subprocess.Popen(["docker", "build", "-t", "never", str(tmp_path)], env=fresh_daemon.env,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 60
    while not any(s.endswith("sleep 120") for s in fresh_daemon.docker("ps", "--format", "{{.Command}}").stdout.split('"')):
        assert time.monotonic() < deadline and build_cli.poll() is None, build_cli.stdout.read()
        time.sleep(0.1)
    fresh_daemon.kill()
    build_cli.wait(timeout=30)
    fresh_daemon.start()
    assert fresh_daemon.docker("ps", "-aq").stdout == ""           # the RUN container is gone
    assert "never" not in fresh_daemon.docker("images", "--format", "{{.Repository}}").stdout
    rebuilt = fresh_daemon.docker("build", "-q", "-f", "-", str(tmp_path), input="FROM busybox\nRUN true\n")
    assert rebuilt.stdout.strip().startswith("sha256:")


def test_images_record_their_steps_container_config_and_dockerds_history_lines(busybox, tmp_path):
    """compose v1 reads a built image's ContainerConfig (Volumes, Cmd) to keep anonymous volumes
    across recreation; the history lines are dockerd's words for each instruction."""
    (tmp_path / "Dockerfile").write_text(
        'FROM busybox\nARG X=1\nENV A=1\nVOLUME /data /logs\nEXPOSE 80 53/udp\nSHELL ["/bin/sh", "-ec"]\n'
        'WORKDIR /w\nHEALTHCHECK --interval=5s --retries=3 CMD true\nRUN echo hi > /f\nCMD ["sh"]\n')
    build(busybox, "-t", "built/config:1", str(tmp_path))
    info = json.loads(busybox.docker("image", "inspect", "built/config:1").stdout)[0]
    parent = busybox.docker("image", "inspect", "-f", "{{.Parent}}", "built/config:1").stdout.strip()
    step = info["ContainerConfig"]
    assert step["Cmd"] == ["/bin/sh", "-ec", "#(nop) ", 'CMD ["sh"]'] and step["Image"] == parent
    assert step["Volumes"] == {"/data": {}, "/logs": {}} and "A=1" in step["Env"]
    assert info["Config"]["Image"] == parent and info["Config"]["Hostname"] == ""   # the full shape
    history = busybox.docker("history", "--no-trunc", "--format", "{{.CreatedBy}}", "built/config:1").stdout
    lines = history.split("\n")[:9]
    assert lines == ['/bin/sh -ec #(nop)  CMD ["sh"]', "|1 X=1 /bin/sh -ec echo hi > /f",
                     """/bin/sh -ec #(nop)  HEALTHCHECK &{["CMD-SHELL" "true"] "5s" "0s" "0s" '\\x03'}""",
                     "/bin/sh -ec #(nop) WORKDIR /w", "/bin/sh -ec #(nop)  SHELL [/bin/sh -ec]",
                     "/bin/sh -c #(nop)  EXPOSE 53/udp 80", "/bin/sh -c #(nop)  VOLUME [/data /logs]",
                     "/bin/sh -c #(nop)  ENV A=1", "/bin/sh -c #(nop)  ARG X=1"]
    run_step = json.loads(busybox.docker("image", "inspect", info["Parent"]).stdout)[0]
    assert run_step["ContainerConfig"]["Cmd"] == ["|1", "X=1", "/bin/sh", "-ec", "echo hi > /f"]
    assert len(run_step["Container"]) == 64                    # the RUN step's container


def test_commit_records_the_containers_config(busybox):
    name = f"committed{os.getpid()}"
    busybox.docker("run", "--name", name, "-v", "/vv", "-e", "X=1", "busybox", "touch", "/a")
    try:
        busybox.docker("commit", name, "built/committed:1")
        info = json.loads(busybox.docker("image", "inspect", "built/committed:1").stdout)[0]
        hostname = busybox.docker("inspect", "-f", "{{.Config.Hostname}}", name).stdout.strip()
        assert info["ContainerConfig"]["Cmd"] == ["touch", "/a"] and info["ContainerConfig"]["Image"] == "busybox"
        assert info["ContainerConfig"]["Volumes"] == {"/vv": {}} and "X=1" in info["ContainerConfig"]["Env"]
        assert info["Config"]["Hostname"] == hostname and info["Container"].startswith(
            busybox.docker("inspect", "-f", "{{.Id}}", name).stdout.strip())
    finally:
        busybox.docker("rm", "-f", name)


def test_docker_py_dockerfile_outside_the_context_and_run_stderr_in_red(busybox, tmp_path):
    """docker-py sends a Dockerfile from outside the context as `.dockerfile.<random>` listed in
    a .dockerignore, and repeats the `dockerfile` parameter (name, then text): the first counts."""
    context, elsewhere = tmp_path / "context", tmp_path / "elsewhere"
    context.mkdir()
    elsewhere.mkdir()
    (context / "file.txt").write_text("hello")
    (context / ".dockerignore").write_text(".dockerignore\n")
    (elsewhere / "Dockerfile").write_text('FROM busybox\nCOPY . /src\nRUN echo to-stderr >&2\n')
    api = busybox.client().api
    lines = list(api.build(path=str(context), dockerfile=str(elsewhere / "Dockerfile"), tag="built/outside:1",
                           decode=True, nocache=True))
    assert lines[-1] == {"stream": "Successfully tagged built/outside:1\n"}, lines
    assert {"stream": "\x1b[91mto-stderr\n\x1b[0m"} in lines                  # dockerd marks stderr so
    assert busybox.docker("run", "--rm", "built/outside:1", "ls", "-a", "/src").stdout.split() == [".", "..", "file.txt"]


def test_cache_from_limits_the_cache_to_its_images_and_serves_steps_from_a_loaded_image(busybox, tmp_path):
    dockerfile = f"FROM busybox\nENV STAMP={tmp_path.name}\nRUN echo one > /one\nRUN echo two > /two\n".encode()
    api = busybox.client().api

    def cached_steps(**options) -> int:
        lines = list(api.build(fileobj=io.BytesIO(dockerfile), decode=True, **options))
        assert "Successfully built" in lines[-1].get("stream", "") or "Successfully tagged" in lines[-1].get("stream", ""), lines
        return sum("Using cache" in line.get("stream", "") for line in lines)

    assert cached_steps(tag="built/cachefrom:1") == 0
    assert cached_steps(tag="built/cachefrom:2", cache_from=["built/cachefrom:1"]) == 3
    assert cached_steps(tag="built/cachefrom:3", cache_from=["no/such:image"]) == 0   # dockerd: nothing else
    # an image with no local parents (loaded, as if pulled) serves as a cache through its history
    built = api.inspect_image("built/cachefrom:1")["Id"]
    saved = b"".join(api.get_image("built/cachefrom:1"))
    for tag in ("built/cachefrom:1", "built/cachefrom:2", "built/cachefrom:3"):
        api.remove_image(tag)                                # the image and its steps' images go
    list(api.load_image(saved))
    assert api.inspect_image("built/cachefrom:1")["Parent"] == ""
    lines = list(api.build(fileobj=io.BytesIO(dockerfile), decode=True, tag="built/cachefrom:5",
                           cache_from=["built/cachefrom:1"]))
    assert sum("Using cache" in line.get("stream", "") for line in lines) == 3
    assert api.inspect_image("built/cachefrom:5")["Id"] == built
