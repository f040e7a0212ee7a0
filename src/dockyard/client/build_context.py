"""The build context a client sends: the directory as a tar with .dockerignore applied, the
Dockerfile and .dockerignore always included, owners 0:0 (what the docker CLI sends)."""

from __future__ import annotations

import os
import tarfile
import tempfile
from typing import BinaryIO, Iterator

from dockyard.dockerfile.ignore import IgnoreMatcher, read_patterns

CHUNK = 1 << 20


def context_tar(directory: str, dockerfile: str | None) -> tuple[BinaryIO, str]:
    """(tar file positioned at 0, Dockerfile name inside it). A Dockerfile outside the
    directory is added under a generated name, as the docker CLI does."""
    directory = os.path.abspath(directory)
    matcher = _matcher(directory)
    dockerfile_path = os.path.abspath(dockerfile) if dockerfile else os.path.join(directory, "Dockerfile")
    inside = os.path.relpath(dockerfile_path, directory)
    out = tempfile.TemporaryFile()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for relative in _walk(directory, matcher, always={inside, ".dockerignore"}):
            tar.add(os.path.join(directory, relative), relative, recursive=False, filter=_root_owned)
        name = inside
        if inside.startswith(".."):
            name = f".dockerfile.{os.urandom(10).hex()}"
            tar.add(dockerfile_path, name, filter=_root_owned)
    out.seek(0)
    return out, name


def chunks_of(stream: BinaryIO) -> Iterator[bytes]:
    while data := stream.read(CHUNK):
        yield data


def _matcher(directory: str) -> IgnoreMatcher:
    try:
        with open(os.path.join(directory, ".dockerignore"), encoding="utf-8", errors="replace") as f:
            return IgnoreMatcher(read_patterns(f.read()))
    except FileNotFoundError:
        return IgnoreMatcher([])


def _walk(directory: str, matcher: IgnoreMatcher, always: set[str]) -> Iterator[str]:
    for dirpath, dirnames, filenames in os.walk(directory):
        base = os.path.relpath(dirpath, directory)
        kept = []
        for name in sorted(dirnames):
            relative = os.path.normpath(os.path.join(base, name))
            if not matcher.ignored(relative):
                yield relative
                kept.append(name)
            elif matcher.may_reinclude_under(relative) or any(a.startswith(relative + "/") for a in always):
                kept.append(name)  # something under it may come back
        dirnames[:] = kept
        for name in sorted(filenames):
            relative = os.path.normpath(os.path.join(base, name))
            if relative in always or not matcher.ignored(relative):
                yield relative


def _root_owned(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info
