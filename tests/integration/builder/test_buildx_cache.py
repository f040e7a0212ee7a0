"""`docker buildx build --cache-to/--cache-from type=local` through a real dockyardd: the build
cache leaves for a directory of the client's (through its session's content store), and a
rebuild after `docker builder prune -af` and the images' removal reuses every step from it."""

import json

import pytest

from tests.support.buildx import plain_steps

pytestmark = pytest.mark.root

DOCKERFILE = """\
FROM busybox
ARG WORD=kept
RUN echo "$WORD" > /word && cat /proc/sys/kernel/random/uuid > /stamp
COPY data.txt /data.txt
WORKDIR /srv
RUN cat /word /data.txt > /srv/both
"""


def _images(buildx) -> set[str]:
    return set(buildx.docker("images", "-aq", "--no-trunc").stdout.split())


def test_cache_to_a_directory_then_from_it_after_prune(buildx, tmp_path):
    context = tmp_path / "context"
    context.mkdir()
    (context / "Dockerfile").write_text(DOCKERFILE)
    (context / "data.txt").write_text("data\n")
    cache = tmp_path / "cache"
    before = _images(buildx)
    first = buildx.docker("build", "--progress", "plain", "--cache-to", f"type=local,dest={cache},mode=max",
                          "-t", "bk/cached:1", str(context)).stderr
    steps = plain_steps(first)
    assert any(line.startswith("writing cache manifest sha256:") for line in
               steps["exporting cache to client directory"])
    index = json.loads((cache / "index.json").read_text())
    latest = [m for m in index["manifests"] if m["annotations"]["org.opencontainers.image.ref.name"] == "latest"]
    manifest = json.loads((cache / "blobs" / "sha256" / latest[0]["digest"].split(":")[1]).read_text())
    assert manifest["manifests"][-1]["mediaType"] == "application/vnd.buildkit.cacheconfig.v0"
    image_id = buildx.docker("image", "inspect", "-f", "{{.Id}}", "bk/cached:1").stdout.strip()
    stamp = buildx.docker("run", "--rm", "bk/cached:1", "cat", "/stamp", "/srv/both").stdout

    buildx.docker("builder", "prune", "-af")
    made = sorted(_images(buildx) - before)
    buildx.docker("rmi", "bk/cached:1", *made, check=False)     # parents go with their children
    assert not _images(buildx) - before

    second = buildx.docker("build", "--progress", "plain", "--cache-from", f"type=local,src={cache}",
                           "-t", "bk/cached:1", str(context)).stderr
    steps = plain_steps(second)
    assert any(name.startswith("importing cache manifest from local:") for name in steps)
    built = [name for name in steps if name[:2] in ("[1", "[2", "[3", "[4", "[5")]
    assert len(built) == 5 and all(steps[name] == ["CACHED"] for name in built), second
    assert buildx.docker("image", "inspect", "-f", "{{.Id}}", "bk/cached:1").stdout.strip() == image_id
    assert buildx.docker("run", "--rm", "bk/cached:1", "cat", "/stamp", "/srv/both").stdout == stamp
    buildx.docker("rmi", "bk/cached:1")


def test_other_cache_types_and_unreadable_caches_are_refused(buildx, tmp_path):
    context = tmp_path / "context"
    context.mkdir()
    (context / "Dockerfile").write_text("FROM busybox\n")
    registry = buildx.docker("build", "--cache-to", "type=registry,ref=127.0.0.1:1/x:cache", str(context),
                             check=False)
    assert registry.returncode == 1
    assert "--cache-to type=registry is not supported by this daemon" in registry.stderr
    compressed = buildx.docker("build", "--cache-to", f"type=local,dest={tmp_path / 'c'},compression=zstd",
                               str(context), check=False)
    assert "--cache-to compression=zstd is not supported by this daemon" in compressed.stderr
