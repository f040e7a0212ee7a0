"""One COPY or ADD step, from the context or `--from` an image (blocking; run in a thread):
resolve and checksum the sources, reuse the cached image when the checksum matches, else
copy into a new layer on the parent image and commit it."""

from __future__ import annotations

import posixpath
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable

from dockyard.builder.commit import commit_step
from dockyard.builder.context import resolve_sources
from dockyard.builder.copier import CopyOptions, copy_sources, sources_digest
from dockyard.containers.users import user_in_root
from dockyard.dockerfile.cache_keys import step_key
from dockyard.errors import InvalidArgument


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
    shell: list[str]             # the SHELL in effect: the step's command is `<shell> #(nop) COPY ...`
    lookup: Callable[[str, str | None, str, dict], str | None]   # (key, parent, created_by, config) → cached image


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
        step_cmd = [*request.shell, f"#(nop) {request.keyword} {digest} in {dest} "]
        key = step_key(request.parent_id or "", " ".join(step_cmd),
                       {"chown": request.chown, "chmod": request.chmod, "from": request.from_image or ""})
        cached = request.lookup(key, request.parent_id, " ".join(step_cmd), request.config)
        if cached is not None:
            return cached, True
        with builder.layers.writable(request.parent_id) as (snapshot, target):
            owner = _owner(target, request.chown) if request.chown else (None if request.from_given else (0, 0))
            options = CopyOptions(owner=owner, chmod=chmod, extract_archives=request.keyword == "ADD")
            copy_sources(sources, target, dest, options, request.keyword)
            layer = builder.layers.commit(snapshot, request.parent_id)
    image_id = commit_step(builder.images, request.parent_id, request.config, step_cmd, layer.diff_id,
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
    resolved = user_in_root(root, chown)
    return resolved.uid, resolved.gid if colon else resolved.uid
