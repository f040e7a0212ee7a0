"""BuildKit's Dockerfile syntax through `docker buildx build` (BuildKit's protocol) against a real
dockyardd; where dockerd 20.10's BuildKit reads the same Dockerfile (RUN --mount, the platform
ARGs, concurrent stages), both daemons build it and the images are compared: config, history and
the files the steps made."""

import json
import re
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.support import buildx as buildx_support
from tests.integration.builder import test_dockerfile_syntax as classic
from tests.support.busybox import import_busybox
from tests.support.dockerd import PrivateDockerd, dockerd_available

pytestmark = pytest.mark.root

# what dockerd 20.10's built-in frontend reads (no heredocs, --link, tmpfs size, --network there)
COMPARED = """\
FROM busybox AS tools
RUN mkdir -p /opt/tool && echo v1 > /opt/tool/version
FROM busybox AS other
RUN echo other > /other
FROM busybox AS unused
RUN exit 7
FROM busybox
ARG TARGETPLATFORM
WORKDIR /work
RUN --mount=type=cache,target=/var/cache/app echo run >> /var/cache/app/log && wc -l < /var/cache/app/log > /count
RUN --mount=type=bind,source=data,target=/src --mount=type=bind,from=tools,source=/opt/tool,target=/tool \\
    cat /src/one.txt /tool/version > /bound
RUN --mount=type=tmpfs,target=/scratch echo t > /scratch/t && echo "$TARGETPLATFORM" > /platform
RUN --mount=type=secret,id=token cat /run/secrets/token > /secret 2>/dev/null || echo none > /secret
RUN --mount=type=ssh echo "$SSH_AUTH_SOCK" > /ssh
COPY --from=other /other /other
ENV DONE=yes
"""
_PATHS = "/work /src /tool /scratch /var/cache/app /run /other /count /bound /platform /secret /ssh /seen /copied"


@pytest.fixture
def context(tmp_path):
    context = tmp_path / "context"
    (context / "data").mkdir(parents=True)
    (context / "data" / "one.txt").write_text("one\n")
    (context / "Dockerfile").write_text(COMPARED)
    return context


@pytest.fixture
def reference(tmp_path):
    if not dockerd_available() or buildx_support.missing():
        pytest.skip("dockerd 20.10 or the buildx plugin is not installed")
    base = Path(tempfile.mkdtemp(prefix="dockyard-dockerd-", dir="/tmp"))
    dockerd = PrivateDockerd(base)
    try:
        dockerd.start()
        import_busybox(dockerd)
        yield buildx_support.Buildx(dockerd, tmp_path / "reference-config")
    finally:
        dockerd.stop()
        shutil.rmtree(base, ignore_errors=True)


def _image(side, name: str) -> dict:
    info = json.loads(side.docker("image", "inspect", name).stdout)[0]
    history = side.docker("history", "--no-trunc", "--format", "{{.CreatedBy}}|{{.Size}}", name).stdout
    history = history.splitlines()[:-1]   # the imported busybox last: dockerd and we count its size apart
    files = side.docker("run", "--rm", "--network", "none", name, "sh", "-c",
                        f"find {_PATHS} -exec stat -c '%n %a %u:%g %s %F' {{}} + 2>/dev/null | sort; "
                        "cat /count /bound /platform /secret /ssh /seen 2>/dev/null; true").stdout
    return {"config": info["Config"], "layers": len(info["RootFS"]["Layers"]), "history": history, "files": files}


def test_the_same_image_as_dockerd_20_10s_buildkit(buildx, reference, context):
    # dockerd runs without a bridge here, so its BuildKit builds with --network none
    reference.docker("build", "--network", "none", "-t", "compare/mounts", str(context))
    progress = buildx.docker("build", "--progress", "plain", "-t", "compare/mounts", str(context)).stderr
    theirs, ours = _image(reference, "compare/mounts"), _image(buildx, "compare/mounts")
    assert ours == theirs
    # the stage `unused` is not built (nor shown); the last stage's steps are named by its index
    assert "] RUN exit 7" not in progress and "[stage-3 2/8] WORKDIR /work" in progress
    assert "COPY /other /other # buildkit|6B" in ours["history"] and "/bound 644 0:0 7 regular file" in ours["files"]

    # ARGs: FROM with meta ARGs, step names with their variables expanded (a RUN's quotes kept,
    # unset ones as written), a stage FROM an earlier one goes on with its ARG values (BuildKit's
    # state env) and numbers no FROM step, one vertex per base image, WorkingDir / from scratch
    (context / "Dockerfile").write_text(ARGS)
    (context / "f.txt").write_text("f\n")
    theirs_progress = reference.docker("build", "--network", "none", "--progress", "plain", "--build-arg",
                                       "GREETING=hi", "-t", "compare/args", str(context)).stderr
    progress = buildx.docker("build", "--progress", "plain", "--build-arg", "GREETING=hi", "-t", "compare/args",
                             str(context)).stderr
    ours_steps, their_steps = _step_names(progress), _step_names(theirs_progress)
    # busybox is the base of two stages and gets one vertex, named after either stage: which one
    # varies from build to build on dockerd too (its stages are converted concurrently)
    shared = re.compile(r"\[(first|stage-3) 1/\d\] FROM docker\.io/library/busybox(:latest)?")
    for steps in (ours_steps, their_steps):
        assert len([name for name in steps if shared.fullmatch(name)]) == 1, steps
    assert {n for n in ours_steps if not shared.fullmatch(n)} == {n for n in their_steps if not shared.fullmatch(n)}
    assert '[first 6/7] RUN echo "hi $U" /data > /x' in ours_steps
    theirs, ours = _image(reference, "compare/args"), _image(buildx, "compare/args")
    assert ours == theirs and "/seen" in ours["files"]
    for target in ("s", "first"):
        args = ("--progress", "plain", "--target", target, "-t", f"compare/{target}", str(context))
        assert _step_names(buildx.docker("build", *args).stderr) == \
            _step_names(reference.docker("build", "--network", "none", *args).stderr)
        assert buildx.docker("image", "inspect", "-f", "{{json .Config}}", f"compare/{target}").stdout == \
            reference.docker("image", "inspect", "-f", "{{json .Config}}", f"compare/{target}").stdout


ARGS = """\
ARG BASE=busybox
ARG TAG=latest
FROM $BASE:${TAG} AS first
ARG DIR=/data
ARG FILE=f.txt
ARG GREETING
ENV HOME_DIR=/home$DIR
WORKDIR $DIR
COPY $FILE ${DIR}/
ADD $FILE /added/$FILE
COPY --chown=${UID:-0} $FILE /chowned
RUN echo "$GREETING $U" $DIR > /x
EXPOSE ${PORT:-80}
VOLUME $DIR/vol
RUN echo $HOME_DIR
FROM scratch AS s
COPY f.txt /f
FROM first AS second
ARG DIR
COPY --from=first $DIR/$FILE /copied
RUN ["sh", "-c", "echo $DIR $FILE > /seen"]
FROM busybox
COPY --from=second /seen /copied /
"""


def _step_names(progress: str) -> set[str]:
    return {name for name in buildx_support.plain_steps(progress) if name.startswith("[")}


# the classic path's heredocs, then what dockerd 20.10 lacks too
HEREDOCS = classic.HEREDOCS + """\
COPY --link <<EOF /linked
linked
EOF
RUN --network=none --mount=type=tmpfs,target=/t,size=1m ls /sys/class/net > /nets
"""


def test_heredocs_link_and_network_through_buildx(buildx, tmp_path):
    (tmp_path / "Dockerfile").write_text(HEREDOCS)
    out = buildx.docker("build", "--progress", "plain", "--build-arg", "NAME=bk", "-t", "bk/heredoc",
                        str(tmp_path)).stderr
    assert "RUN <<EOF" in out
    got = buildx.docker("run", "--rm", "bk/heredoc", "cat", "/greeting", "/literal", "/script", "/etc/app.conf",
                        "/docs/A", "/docs/B", "/x", "/y", "/linked", "/nets").stdout
    assert got == ("hello bk\n$NAME stays\nscript /dev/pipes/EOF\nname=bk\nfirst\nsecond\nx body\ny body\n"
                   "linked\nlo\n")
    again = buildx.docker("build", "--progress", "plain", "--build-arg", "NAME=bk", str(tmp_path)).stderr
    assert again.count("CACHED") >= 9


def test_refused_syntax_is_refused_through_buildx(buildx, tmp_path):
    (tmp_path / "Dockerfile").write_text("# syntax=example.com/my/frontend:2\nFROM busybox\n")
    result = buildx.docker("build", str(tmp_path), check=False)
    assert result.returncode == 1 and "unsupported Dockerfile syntax 'example.com/my/frontend:2'" in result.stderr
