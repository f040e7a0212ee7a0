"""One COPY or ADD step, from the context or `--from` an image (blocking; run in a thread):
resolve and checksum the sources, reuse the cached image when the checksum matches, else
copy into a new layer on the parent image and commit it."""

from __future__ import annotations

import posixpath
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from dockyard.builder.commit import commit_step
from dockyard.builder.context import resolve_sources
from dockyard.builder.copier import CopyOptions, copy_sources, sources_digest
from dockyard.dockerfile.cache_keys import step_key
from dockyard.errors import InvalidArgument
from dockyard.oci.user import resolve_user
from dockyard.confined.paths import resolve_in_root


@dataclass(frozen=True)
class CopyRequest:
    keyword: str                 # COPY or ADD
    sources: list[str]
    dest: str
    workdir: str
    chown: str
    chmod: str
    from_image: str | None       # --from: the image (stage result or local image) copied from
    from_given: bool
    parent_id: str | None
    config: dict[str, Any]
    author: str
    nop_prefix: str              # "/bin/sh -c #(nop)"
    nocache: bool


def run_copy(builder, context_root: str, request: CopyRequest) -> tuple[str, bool]:
    """(image ID, whether it came from the cache)."""
    for source in request.sources:
        if request.keyword == "ADD" and source.startswith(("http://", "https://")):
            raise InvalidArgument(f"ADD failed: fetching {source} is not supported: "
                                  "only sources in the build context can be added")
    dest = _destination(request.dest, request.workdir)
    chmod = _chmod(request.chmod)
    with _source_root(builder, context_root, request) as root:
        sources = resolve_sources(root, request.sources, request.keyword, in_context=not request.from_given)
        digest = sources_digest(sources)
        created_by = f"{request.nop_prefix} {request.keyword} {digest} in {dest} "
        key = step_key(request.parent_id or "", created_by,
                       {"chown": request.chown, "chmod": request.chmod, "from": request.from_image or ""})
        cached = None if request.nocache else builder.cache.lookup(key)
        if cached is not None:
            return cached, True
        with builder.layers.writable(request.parent_id) as (snapshot, target):
            owner = _owner(target, request.chown) if request.chown else (None if request.from_given else (0, 0))
            options = CopyOptions(owner=owner, chmod=chmod, extract_archives=request.keyword == "ADD")
            copy_sources(sources, target, dest, options, request.keyword)
            layer = builder.layers.commit(snapshot, request.parent_id)
    image_id = commit_step(builder.images, request.parent_id, request.config, created_by, layer.diff_id,
                           request.author)
    builder.cache.store(key, image_id)
    return image_id, False


@contextmanager
def _source_root(builder, context_root: str, request: CopyRequest):
    if not request.from_given:
        yield context_root
        return
    with builder.layers.read_only(request.from_image) as root:
        yield root


def _destination(dest: str, workdir: str) -> str:
    if not dest:
        raise InvalidArgument("destination can not be empty")
    if dest.startswith("/"):
        return dest
    joined = posixpath.join(workdir or "/", dest)
    return joined + "/" if dest.endswith("/") and not joined.endswith("/") else joined


def _chmod(value: str) -> int | None:
    if not value:
        return None
    try:
        mode = int(value, 8)
    except ValueError:
        raise InvalidArgument(f"invalid chmod parameter: {value}") from None
    if mode > 0o7777:
        raise InvalidArgument(f"invalid chmod parameter: {value}")
    return mode


def _owner(root: str, chown: str) -> tuple[int, int]:
    """`--chown=user[:group]`, names looked up in the image's /etc/passwd and /etc/group;
    a user without a group uses the user's numeric ID as group (Docker's rule)."""
    user, colon, group = chown.partition(":")
    if user.isdigit() and (not colon or group.isdigit()):
        return int(user), int(group) if colon else int(user)
    texts = {}
    for name in ("passwd", "group"):
        try:
            with open(resolve_in_root(root, "etc/" + name), encoding="utf-8", errors="replace") as f:
                texts[name] = f.read()
        except OSError:
            texts[name] = ""
    resolved = resolve_user(chown, texts["passwd"], texts["group"])
    return resolved.uid, resolved.gid if colon else resolved.uid
