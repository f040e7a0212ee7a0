"""BuildKit's Dockerfile syntax through the classic `POST /build` (the real docker CLI, no buildx):
heredocs, RUN --mount, RUN --network, COPY --link/--parents/--exclude, ADD --checksum, the
platform ARGs, `# syntax=`, stages built concurrently, and what is refused."""

import hashlib
import http.server
import json
import threading

import pytest

pytestmark = pytest.mark.root


def build(d, context, *args, check=True):
    return d.docker("build", *args, str(context), check=check, timeout=300)


def contents(d, image, *paths):
    return d.docker("run", "--rm", image, "cat", *paths).stdout


HEREDOCS = """\
# syntax=docker/dockerfile:1
FROM busybox
ARG NAME=world
RUN <<EOF
echo "hello $NAME" > /greeting
EOF
RUN <<-'EOT' sh
\techo '$NAME stays' > /literal
\tEOT
RUN <<EOF
#!/bin/sh
echo "script $0" > /script
EOF
COPY <<EOF /etc/app.conf
name=$NAME
EOF
COPY <<A <<B /docs/
first
A
second
B
RUN cat <<X > /x && cat <<Y > /y
x body
X
y body
Y
"""


def test_heredocs_in_run_and_copy(busybox, tmp_path):
    (tmp_path / "Dockerfile").write_text(HEREDOCS)
    out = build(busybox, tmp_path, "--build-arg", "NAME=docs", "-t", "syntax/heredoc").stdout
    assert "Step 3/8 : RUN <<EOF" in out and "Step 8/8 : RUN cat <<X > /x && cat <<Y > /y" in out
    got = contents(busybox, "syntax/heredoc", "/greeting", "/literal", "/script", "/etc/app.conf", "/docs/A",
                   "/docs/B", "/x", "/y")
    assert got == ("hello docs\n$NAME stays\nscript /dev/pipes/EOF\nname=docs\nfirst\nsecond\n"
                   "x body\ny body\n")
    modes = busybox.docker("run", "--rm", "syntax/heredoc", "stat", "-c", "%a %U", "/etc/app.conf",
                           "/docs/A").stdout
    assert modes == "644 root\n644 root\n"                      # as BuildKit writes a document
    assert busybox.docker("run", "--rm", "syntax/heredoc", "ls", "-A", "/dev").stdout.count("pipes") == 0
    again = build(busybox, tmp_path, "--build-arg", "NAME=docs").stdout
    assert again.count(" ---> Using cache") == 7                 # every step after FROM


MOUNTS = """\
FROM busybox AS tools
RUN mkdir -p /opt/tool && echo v1 > /opt/tool/version
FROM busybox
WORKDIR /work
RUN --mount=type=cache,target=/var/cache/app,id=app-cache \\
    echo run >> /var/cache/app/log && wc -l < /var/cache/app/log > /cache-count
RUN --mount=type=bind,source=data,target=/src \\
    --mount=type=bind,from=tools,source=/opt/tool,target=/tool \\
    cat /src/one.txt /tool/version > /bound && ! touch /src/x 2>/dev/null
RUN --mount=type=bind,source=data,target=/rw,rw touch /rw/scratch && ls /rw > /rw-listing
RUN --mount=type=tmpfs,target=/scratch,size=1m \\
    echo t > /scratch/t && grep -c /scratch /proc/mounts > /tmpfs-mounted
RUN --mount=type=secret,id=token cat /run/secrets/token 2>&1 > /secret || true
RUN --mount=type=ssh echo "sock=$SSH_AUTH_SOCK" > /ssh
"""


def test_run_mounts_and_the_cache_mount_between_builds_until_builder_prune(busybox, tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "one.txt").write_text("one\n")
    (tmp_path / "Dockerfile").write_text(MOUNTS)
    busybox.docker("builder", "prune", "-f")
    build(busybox, tmp_path, "-t", "syntax/mounts")
    got = contents(busybox, "syntax/mounts", "/cache-count", "/bound", "/rw-listing", "/tmpfs-mounted", "/ssh")
    assert got == "1\none\nv1\none.txt\nscratch\n1\nsock=/run/buildkit/ssh_agent.0\n"
    listing = busybox.docker("run", "--rm", "syntax/mounts", "sh", "-c",
                             "ls -A /var/cache/app /scratch /src /tool /rw /run/secrets 2>&1; ls /work; cat /secret")
    assert "log" not in listing.stdout and "t\n" not in listing.stdout   # nothing of the mounts in the layers
    assert "No such file" in busybox.docker("run", "--rm", "syntax/mounts", "cat", "/run/secrets/token",
                                            check=False).stderr
    assert not (tmp_path / "data" / "scratch").exists()        # rw bind writes are thrown away
    build(busybox, tmp_path, "--no-cache", "-t", "syntax/mounts")
    assert contents(busybox, "syntax/mounts", "/cache-count") == "2\n"   # the cache outlived the first build
    df = busybox.client().api.df()["BuildCache"]
    (cache,) = [record for record in df if record["Type"] == "exec.cachemount"]
    assert cache["Description"].startswith("cached mount /var/cache/app from exec /bin/sh -c echo run")
    assert cache["Size"] == 8 and cache["InUse"] is False
    pruned = busybox.docker("builder", "prune", "-f").stdout
    assert cache["ID"] in pruned and "Total reclaimed space: 8B" in pruned
    assert busybox.client().api.df()["BuildCache"] == []
    build(busybox, tmp_path, "--no-cache", "-t", "syntax/mounts")
    assert contents(busybox, "syntax/mounts", "/cache-count") == "1\n"


def test_a_required_secret_fails_the_run_with_a_clear_error(busybox, tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM busybox\nRUN --mount=type=secret,id=api,required cat /run/secrets/api\n")
    result = build(busybox, tmp_path, check=False)
    assert result.returncode == 1
    assert "secret api not found" in result.stderr and "docker buildx build --secret" in result.stderr


def test_run_network_none_has_only_loopback(busybox, tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM busybox\nRUN --network=none ls /sys/class/net > /nets\n"
                                         "RUN ls /sys/class/net > /default-nets\n")
    build(busybox, tmp_path, "-t", "syntax/net")
    assert contents(busybox, "syntax/net", "/nets") == "lo\n"
    assert "eth0" in contents(busybox, "syntax/net", "/default-nets")


COPIES = """\
FROM busybox AS base
RUN echo base > /base-marker
FROM base
COPY --link app/ /app/
COPY --parents src/./a/one.txt src/./b/**/*.txt /tree/
COPY --exclude=*.log --exclude=tmp app/ /filtered/
"""


def test_copy_link_parents_and_exclude(busybox, tmp_path):
    for path, text in {"app/main.txt": "main", "app/debug.log": "log", "app/tmp/t.txt": "t",
                       "src/a/one.txt": "1", "src/b/c/two.txt": "2", "src/b/c/skip.md": "m"}.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    (tmp_path / "Dockerfile").write_text(COPIES)
    build(busybox, tmp_path, "-t", "syntax/copies")
    found = busybox.docker("run", "--rm", "syntax/copies", "find", "/app", "/tree", "/filtered", "-type", "f")
    assert sorted(found.stdout.split()) == ["/app/debug.log", "/app/main.txt", "/app/tmp/t.txt", "/filtered/main.txt",
                                            "/tree/a/one.txt", "/tree/b/c/two.txt"]
    # --link: the layer does not depend on its parent, so a COPY on another base reuses it
    layers = json.loads(busybox.docker("image", "inspect", "syntax/copies").stdout)[0]["RootFS"]["Layers"]
    (tmp_path / "Dockerfile").write_text(COPIES.replace("echo base", "echo other base"))
    build(busybox, tmp_path, "-t", "syntax/copies2")
    other = json.loads(busybox.docker("image", "inspect", "syntax/copies2").stdout)[0]["RootFS"]["Layers"]
    assert other[1] != layers[1] and other[2] == layers[2]


class _Files(http.server.BaseHTTPRequestHandler):
    body = b"remote file\n"

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.body)))
        self.send_header("Last-Modified", "Tue, 01 Dec 2026 10:00:00 GMT")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def file_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Files)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_add_url_with_checksum(busybox, tmp_path, file_server):
    digest = "sha256:" + hashlib.sha256(_Files.body).hexdigest()
    (tmp_path / "Dockerfile").write_text(f"FROM busybox\nADD --checksum={digest} {file_server}/dl/file.txt /dl/\n")
    build(busybox, tmp_path, "-t", "syntax/add")
    shown = busybox.docker("run", "--rm", "syntax/add", "sh", "-c", "cat /dl/file.txt; stat -c '%a %Y' /dl/file.txt")
    assert shown.stdout == "remote file\n600 1796119200\n"
    wrong = "sha256:" + "0" * 64
    (tmp_path / "Dockerfile").write_text(f"FROM busybox\nADD --checksum={wrong} {file_server}/f /f\n")
    result = build(busybox, tmp_path, check=False)
    assert result.returncode == 1 and f"digest mismatch for {file_server}/f: {digest} (expected: {wrong})" in result.stderr


def test_platform_args_and_from_platform(busybox, tmp_path):
    arch = busybox.docker("version", "--format", "{{.Server.Arch}}").stdout.strip()
    (tmp_path / "Dockerfile").write_text(
        "FROM --platform=$BUILDPLATFORM busybox\nARG TARGETPLATFORM\nARG BUILDOS\nARG TARGETARCH\nARG TARGETVARIANT\n"
        'RUN echo "$TARGETPLATFORM|$BUILDOS|$TARGETARCH|$TARGETVARIANT" > /platform\n')
    build(busybox, tmp_path, "--platform", f"linux/{arch}", "-t", "syntax/platform")
    assert contents(busybox, "syntax/platform", "/platform") == f"linux/{arch}|linux|{arch}|\n"
    other = "arm64" if arch != "arm64" else "amd64"
    result = build(busybox, tmp_path, "--platform", f"linux/{other}", check=False)
    assert result.returncode == 1 and f"--platform=linux/{other}: this daemon builds for linux/{arch} only" in result.stderr
    (tmp_path / "Dockerfile").write_text(f"FROM --platform=linux/{other} busybox\n")
    result = build(busybox, tmp_path, check=False)
    assert f"FROM --platform=linux/{other}: this daemon builds for linux/{arch} only" in result.stderr


PARALLEL = """\
FROM busybox AS left
RUN --mount=type=cache,id=rendezvous,target=/meet touch /meet/left && \\
    for i in $(seq 600); do [ -e /meet/right ] && break; sleep 0.1; done && ls /meet > /saw
FROM busybox AS right
RUN --mount=type=cache,id=rendezvous,target=/meet touch /meet/right && \\
    for i in $(seq 600); do [ -e /meet/left ] && break; sleep 0.1; done && ls /meet > /saw
FROM busybox AS unused
RUN exit 7
FROM busybox
COPY --from=left /saw /left
COPY --from=right /saw /right
"""


def test_independent_stages_run_at_the_same_time_and_unneeded_ones_not_at_all(busybox, tmp_path):
    (tmp_path / "Dockerfile").write_text(PARALLEL)
    out = build(busybox, tmp_path, "--no-cache", "-t", "syntax/parallel").stdout
    # each stage saw the other's file while it waited: they ran together (one after the other,
    # the first would have given up after a minute and seen only its own)
    assert contents(busybox, "syntax/parallel", "/left", "/right") == "left\nright\nleft\nright\n"
    steps = [line for line in out.splitlines() if line.startswith("Step ")]
    assert steps == ["Step 1/7 : FROM busybox AS left", "Step 2/7 : RUN --mount=type=cache,id=rendezvous,"
                     "target=/meet touch /meet/left &&     for i in $(seq 600); do [ -e /meet/right ] && break; "
                     "sleep 0.1; done && ls /meet > /saw", steps[2], steps[3],
                     "Step 5/7 : FROM busybox", "Step 6/7 : COPY --from=left /saw /left",
                     "Step 7/7 : COPY --from=right /saw /right"]
    assert steps[2] == "Step 3/7 : FROM busybox AS right" and "exit 7" not in out


def test_cache_survives_builder_prune_and_a_daemon_restart(fresh_daemon, tmp_path):
    from tests.support.busybox import import_busybox

    d = fresh_daemon.start()
    import_busybox(d)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "one.txt").write_text("one\n")
    (tmp_path / "Dockerfile").write_text(MOUNTS + HEREDOCS.split("FROM busybox\n", 1)[1])
    first = build(d, tmp_path, "-t", "syntax/survives").stdout
    for step in ("prune", "restart"):
        if step == "prune":
            d.docker("builder", "prune", "-f")
        else:
            d.stop()
            d.start()
        again = build(d, tmp_path, "-t", "syntax/survives").stdout
        assert again.count(" ---> Using cache") == again.count("Step ") - 2, again   # all but the two FROMs
        assert first.splitlines()[-2] == again.splitlines()[-2]      # Successfully built <the same image>


@pytest.mark.parametrize(("dockerfile", "message"), [
    ("# syntax=example.com/my/frontend:2\nFROM busybox\n", "unsupported Dockerfile syntax 'example.com/my/frontend:2'"),
    ("FROM busybox\nRUN --security=insecure true\n", "security.insecure is not allowed"),
    ("FROM busybox\nRUN --network=bridge true\n", 'invalid network mode "bridge"'),
    ("FROM busybox\nRUN --mount=type=volume,target=/x true\n", 'unsupported mount type "volume"'),
    ("FROM busybox\nRUN --mount=type=cache,target=/x,size=1m true\n", "unexpected key 'size' for mount type 'cache'"),
    ("FROM busybox\nCOPY --chmod=644 --bogus x /x\n", "unknown flag: bogus"),
    ("FROM busybox\nCOPY a.txt <<EOF\nx\nEOF\n", "COPY cannot accept a heredoc as a destination"),
    ("FROM busybox\nRUN <<EOF\necho never ends\n", "unterminated heredoc"),
    ("FROM busybox\nADD --checksum=sha256:abc a.txt /a\n", "checksum requires HTTP(S) or Git sources"),
    ("FROM busybox\nADD --keep-git-dir https://example.invalid/r.git /r\n", "Git sources are not supported"),
    ("FROM busybox\nADD https://example.invalid/r.git /r\n", "Git sources (https://example.invalid/r.git) are not supported"),
])
def test_what_is_refused_is_refused_by_name(busybox, tmp_path, dockerfile, message):
    (tmp_path / "a.txt").write_text("a")
    (tmp_path / "Dockerfile").write_text(dockerfile)
    result = build(busybox, tmp_path, check=False)
    assert result.returncode != 0 and message in result.stderr, result.stderr
