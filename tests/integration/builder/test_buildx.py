"""`docker build` with the buildx plugin (no DOCKER_BUILDKIT): BuildKit's protocol (`/grpc`,
`/session`) against a real dockyardd, read as a user reads buildx's plain progress. The image
config and history were compared with dockerd 20.10's BuildKit for the same Dockerfile."""

import json

import pytest

from tests.support.buildx import plain_steps
from tests.support.registry import Registry

pytestmark = pytest.mark.root

DOCKERFILE = """\
ARG BASE=busybox
FROM $BASE AS builder
ARG GREETING=hello
RUN echo "$GREETING from build" > /greet.txt && cat /greet.txt
FROM busybox AS final
WORKDIR /srv/app
ENV PATH=/bin
COPY --from=builder /greet.txt ./
COPY data/ data/
VOLUME /data
HEALTHCHECK --interval=5s CMD true
CMD ["cat", "greet.txt"]
FROM final AS broken
RUN echo about to fail && exit 3
"""


@pytest.fixture
def context(tmp_path):
    context = tmp_path / "context"
    (context / "data").mkdir(parents=True)
    (context / "data" / "one.txt").write_text("one\n")
    (context / "secret.env").write_text("TOKEN=x\n")
    (context / ".dockerignore").write_text("secret.env\n")
    (context / "Dockerfile").write_text(DOCKERFILE)
    return context


def _containers(buildx) -> set[str]:
    """The shared daemon's containers (a classic build's failed RUN, in another file, leaves its
    own, as dockerd does: compare with what was there before, not with none)."""
    return set(buildx.docker("ps", "-aq", "--no-trunc").stdout.split())


def test_multi_stage_build_with_args_target_and_labels(buildx, context):
    before = _containers(buildx)
    result = buildx.docker("build", "--progress", "plain", "--build-arg", "GREETING=hi", "--target", "final",
                           "--label", "team=core", "-t", "built/bk:1", str(context))
    steps = plain_steps(result.stderr)
    assert 'building with "default" instance using docker driver' in result.stderr
    assert "[internal] load build definition from Dockerfile" in steps
    assert "[internal] load metadata for docker.io/library/busybox:latest" in steps
    # BuildKit names a RUN with its variables expanded, quotes kept (dockerd 20.10's, word for word)
    run = steps['[builder 2/2] RUN echo "hi from build" > /greet.txt && cat /greet.txt']
    assert any(line.endswith("hi from build") for line in run) and run[-1].startswith("DONE")
    assert "[final 4/4] COPY data/ data/" in steps
    export = steps["exporting to image"]
    assert any(line.startswith("naming to docker.io/built/bk:1") for line in export)
    assert not any("broken" in step for step in steps)       # --target stops at final

    assert buildx.docker("run", "--rm", "built/bk:1").stdout == "hi from build\n"
    files = buildx.docker("run", "--rm", "built/bk:1", "sh", "-c", "ls /srv/app/data; ls -a /srv/app").stdout
    assert files.split() == ["one.txt", ".", "..", "data", "greet.txt"]
    info = json.loads(buildx.docker("image", "inspect", "built/bk:1").stdout)[0]
    assert info["Parent"] == "" and info["Comment"] == "buildkit.dockerfile.v0"
    assert info["Metadata"]["LastTagTime"] == "0001-01-01T00:00:00Z"   # dockerd's BuildKit exporter sets none
    assert info["Config"]["Labels"] == {"team": "core"} and info["Config"]["ArgsEscaped"] is True
    history = [line.split(" | ") for line in buildx.docker(
        "history", "--no-trunc", "--format", "{{.CreatedBy}} | {{.Comment}}", "built/bk:1").stdout.splitlines()]
    assert history[:7] == [  # dockerd 20.10's BuildKit, word for word
        ['CMD ["cat" "greet.txt"]', "buildkit.dockerfile.v0"],
        ["HEALTHCHECK &{[\"CMD-SHELL\" \"true\"] \"5s\" \"0s\" \"0s\" '\\x00'}", "buildkit.dockerfile.v0"],
        ["VOLUME [/data]", "buildkit.dockerfile.v0"],
        ["COPY data/ data/ # buildkit", "buildkit.dockerfile.v0"],
        ["COPY /greet.txt ./ # buildkit", "buildkit.dockerfile.v0"],
        ["ENV PATH=/bin", "buildkit.dockerfile.v0"],
        ["WORKDIR /srv/app", "buildkit.dockerfile.v0"],
    ]
    assert _containers(buildx) == before  # no build container left


def test_cached_rebuild_no_cache_and_failure(buildx, context):
    before = _containers(buildx)
    args = ("build", "--progress", "plain", "--target", "final", "-t", "built/bk:2", str(context))
    buildx.docker(*args)
    steps = plain_steps(buildx.docker(*args).stderr)
    assert steps['[builder 2/2] RUN echo "hello from build" > /greet.txt && cat /greet.txt'] == ["CACHED"]
    # one vertex for the image both stages start from, named by the first (as dockerd 20.10's BuildKit)
    assert steps["[builder 1/2] FROM docker.io/library/busybox"] == ["CACHED"]
    assert "[final 1/4] FROM docker.io/library/busybox" not in steps
    steps = plain_steps(buildx.docker(*args[:-1], "--no-cache", str(context)).stderr)
    run = steps['[builder 2/2] RUN echo "hello from build" > /greet.txt && cat /greet.txt']
    assert run != ["CACHED"] and any(line.endswith("hello from build") for line in run)

    failed = buildx.docker("build", "--progress", "plain", str(context), check=False)
    assert failed.returncode == 1
    assert failed.stderr.rstrip().endswith("ERROR: failed to build: failed to solve: executor failed running "
                                           "[/bin/sh -c echo about to fail && exit 3]: exit code: 3")
    assert _containers(buildx) == before  # BuildKit keeps no failed container


def test_a_rebuild_transfers_only_what_changed_and_honours_a_changed_dockerignore(buildx, tmp_path):
    context = tmp_path / "kept"
    (context / "conf").mkdir(parents=True)
    (context / "Dockerfile").write_text('FROM busybox\nCOPY . /c/\nCMD ["sh", "-c", "cd /c && find . | sort"]\n')
    (context / "big.txt").write_text("x" * 100_000)
    (context / "conf" / "a").write_text("a\n")
    (context / "gone").write_text("soon deleted\n")

    def build() -> str:
        steps = plain_steps(buildx.docker("build", "--progress", "plain", "-t", "built/kept", str(context)).stderr)
        return next(line for line in steps["[internal] load build context"] if line.startswith("transferring"))

    def files() -> list[str]:
        return buildx.docker("run", "--rm", "built/kept").stdout.split()

    assert "kB" in build()                       # ~100 kB: every file's bytes
    (context / "gone").unlink()
    (context / "conf" / "a").write_text("changed\n")
    moved = build()
    assert "kB" not in moved and "done" in moved  # only the walk and the changed file's bytes
    assert files() == [".", "./Dockerfile", "./big.txt", "./conf", "./conf/a"]
    assert buildx.docker("run", "--rm", "built/kept", "cat", "/c/conf/a").stdout == "changed\n"
    (context / ".dockerignore").write_text("big.txt\n")   # new patterns: the context is sent again with them
    build()
    assert files() == [".", "./.dockerignore", "./Dockerfile", "./conf", "./conf/a"]
    (context / ".dockerignore").unlink()
    build()
    assert "./big.txt" in files()
    # the Dockerfile's directory is kept too: a changed Dockerfile is sent again, and used
    (context / "Dockerfile").write_text('FROM busybox\nCOPY . /c/\nCMD ["cat", "/c/conf/a"]\n')
    build()
    assert files() == ["changed"]


def test_push_du_prune_and_builder_listing(buildx, context, tmp_path):
    reason = Registry.missing()
    if reason:
        pytest.skip(reason)
    registry = Registry(tmp_path / "registry").start()
    try:
        name = f"127.0.0.1:{registry.port}/bk/pushed:1"
        buildx.docker("build", "--progress", "plain", "--target", "final", "--push", "-t", name, str(context))
        buildx.docker("rmi", name)
        pulled = buildx.docker("pull", name).stdout
        assert f"Status: Downloaded newer image for {name}" in pulled
        assert buildx.docker("run", "--rm", name).stdout == "hello from build\n"
    finally:
        registry.stop()

    listing = buildx.docker("buildx", "ls").stdout
    assert "default*" in listing and "docker" in listing and "running" in listing
    inspect = buildx.docker("buildx", "inspect").stdout
    assert "Driver:        docker" in inspect and "linux/amd64" in inspect
    usage = buildx.docker("buildx", "du").stdout
    assert usage.splitlines()[0].split()[:2] == ["ID", "RECLAIMABLE"] and "Total:" in usage
    assert len(usage.splitlines()) > 3                        # the cached steps, one row each
    buildx.docker("buildx", "prune", "-af")
    assert buildx.docker("buildx", "du").stdout.split()[-4:] == ["Reclaimable:", "0B", "Total:", "0B"]
    assert [line for line in buildx.docker("buildx", "du").stdout.splitlines()[1:] if line.strip()][0].startswith("Reclaimable")
