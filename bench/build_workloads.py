"""Builds of a 17-step Dockerfile, from scratch and from cache: with the classic builder, and
through BuildKit's protocol (`docker buildx build`, the buildx plugin of scripts/buildx, the
default `docker` driver: dockerd 20.10's embedded BuildKit on the other side)."""

from __future__ import annotations

import os
from pathlib import Path

from bench.shared import need_busybox
from bench.workload import Workload

TAG = "bench/build:latest"
BUILDX_PLUGIN = Path(os.environ.get("DOCKER_BUILDX_PLUGIN", Path.home() / ".docker/cli-plugins/docker-buildx"))

# 17 instructions: the mix a small service's Dockerfile has (metadata, files, commands).
DOCKERFILE = """\
FROM busybox:latest
LABEL org.opencontainers.image.title=bench
ARG BENCH_ARG=default
ENV APP_HOME=/app
ENV APP_MODE=bench
WORKDIR /app
COPY a.txt /app/a.txt
COPY b.txt /app/b.txt
COPY conf/ /app/conf/
RUN echo "$BENCH_ARG" > /app/arg
RUN mkdir -p /app/data && echo two > /app/data/two
RUN cat /app/a.txt /app/b.txt > /app/ab.txt
RUN ls -l /app > /app/listing
ENV PATH=/app/bin:$PATH
EXPOSE 8080
USER 65534
CMD ["sh", "-c", "cat /app/ab.txt"]
"""


def _context(target) -> Path:
    need_busybox(target)
    context = target.workdir / "build-context"
    (context / "conf").mkdir(parents=True, exist_ok=True)
    (context / "Dockerfile").write_text(DOCKERFILE)
    (context / "a.txt").write_text("alpha\n" * 1000)
    (context / "b.txt").write_text("beta\n" * 1000)
    for index in range(20):
        (context / "conf" / f"part{index}.conf").write_text(f"key{index}=value\n")
    return context


def _cached_setup(target) -> Path:
    context = _context(target)
    target.docker("build", "-q", "-t", TAG, str(context))   # fills the cache
    return context


def _build(*flags: str):
    return lambda target, context: target.timed("build", "-q", *flags, "-t", TAG, str(context))


def _buildkit_context(target) -> Path:
    plugins = target.config_dir / "cli-plugins"
    plugins.mkdir(parents=True, exist_ok=True)
    if not (plugins / "docker-buildx").exists():
        (plugins / "docker-buildx").symlink_to(BUILDX_PLUGIN)
    return _context(target)


def buildkit_cached_setup(target) -> Path:
    context = _buildkit_context(target)
    target.docker("buildx", "build", "-q", "-t", TAG, str(context))   # fills the cache
    return context


def _buildkit(*flags: str):
    return lambda target, context: target.timed("buildx", "build", "-q", *flags, "-t", TAG, str(context))


def _teardown(target, context: Path) -> None:
    target.docker("rmi", "-f", TAG, check=False)
    target.docker("image", "prune", "-f", check=False)


def workloads() -> list[Workload]:
    return [
        Workload("build-17-uncached", "docker build --no-cache (17 steps)", _build("--no-cache"),
                 setup=_context, teardown=_teardown, goal=0.5, rounds=3, stage=40),
        Workload("build-17-cached", "docker build (17 steps, all cached)", _build(),
                 setup=_cached_setup, teardown=_teardown, goal=1.0, rounds=5, stage=40),
        Workload("buildkit-17-uncached", "docker buildx build --no-cache (17 steps)", _buildkit("--no-cache"),
                 setup=_buildkit_context, teardown=_teardown, goal=0.5, rounds=3, stage=40),
        Workload("buildkit-17-cached", "docker buildx build (17 steps, all cached)", _buildkit(),
                 setup=buildkit_cached_setup, teardown=_teardown, goal=0.5, rounds=5, stage=40),
    ]
