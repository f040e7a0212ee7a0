"""One COPY or ADD step (blocking; run in a thread): gather the sources (the context, `--from` a
stage or image, here-documents, ADD's URLs), checksum them, reuse the cached image when the
checksum matches, else copy into a new layer on the parent image and commit it.

`--link` copies into an empty layer instead (reading nothing of the parent, as BuildKit's
`--link` does) and keeps that layer by its sources: the same COPY on another parent reuses it.
"""

from __future__ import annotations

import os
import posixpath
import tempfile
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any, Callable

from dockyard.builder import url_source
from dockyard.builder.commit import commit_step
from dockyard.builder.context import has_wildcards, resolve_sources, resolve_with_parents
from dockyard.builder.copier import CopyOptions, HashBudget, OverBudget, copy_sources, sources_digest
from dockyard.containers.users import user_in_root
from dockyard.dockerfile.cache_keys import step_key
from dockyard.dockerfile.ignore import IgnoreMatcher
from dockyard.dockerfile.metadata import Expander
from dockyard.dockerfile.parser import Instruction
from dockyard.errors import InvalidArgument


@dataclass(frozen=True)
class CopyRequest:
    instruction: Instruction     # COPY or ADD
    expand: Expander             # the variables in effect
    workdir: str
    from_image: str | None       # --from: the image (stage result or local image) copied from
    from_given: bool
    parent_id: str | None
    config: dict[str, Any]
    author: str
    shell: list[str]             # the SHELL in effect: the step's command is `<shell> #(nop) COPY ...`
    nocache: bool
    lookup: Callable[[str, str | None, str, dict], str | None]   # (key, parent, created_by, config) → cached image
    store: Callable[[str, str], None]                            # (key, image): the step's new image


@dataclass(frozen=True)
class _Plan:
    """What one COPY/ADD does, its words expanded."""
    keyword: str
    paths: list[str]
    urls: list[str]
    documents: list[tuple[str, str]]      # (name, content) of here-documents
    dest: str
    chown: str
    chmod: str
    unpack: bool | None
    exclude: list[str]
    parents: bool
    link: bool


def run_copy(builder, context_root: str, request: CopyRequest) -> tuple[str, bool]:
    """(image ID, whether it came from the cache)."""
    plan = _plan(request)
    # downloads and here-documents go to a directory of their own; a step with neither makes none
    # (removing even an empty one costs milliseconds a cached COPY would otherwise not spend)
    scratch = tempfile.TemporaryDirectory(prefix="copy-", dir=builder.work_dir) if plan.urls or plan.documents \
        else nullcontext("")
    with scratch as extra:
        fetched = [url_source.fetch(url, tempfile.mkdtemp(dir=extra), _checksum(request)) for url in plan.urls]
        written = [_write_document(extra, name, content) for name, content in plan.documents]
        with _source_root(builder, context_root, request) as root:
            local = _local_sources(root, plan, request) + written
            digest = sources_digest(local + fetched, IgnoreMatcher(plan.exclude) if plan.exclude else None)
            step_cmd, created_by, extra_key, key = _identity(plan, request, local, digest)
            cached = request.lookup(key, request.parent_id, created_by, request.config)
            if cached is not None:
                return cached, True
            diff_id = _copy_layer(builder, request, plan, local, fetched, created_by, extra_key)
    image_id = commit_step(builder.images, request.parent_id, request.config, step_cmd, diff_id, request.author)
    request.store(key, image_id)
    return image_id, False


# What a COPY may hash on the event loop (`small_copy_key`): a thread hop costs a cached step
# more than reading this much
_LOOP_ENTRIES, _LOOP_BYTES = 64, 256 * 1024


def small_copy_key(context_root: str, request: CopyRequest) -> tuple[str, str] | None:
    """(step key, history line) of a COPY/ADD of a few small files of the context, worked out
    without a thread; None for any other (wildcards, --parents, --from, downloads,
    here-documents, more than `_ON_LOOP`): `run_copy` decides those, in a thread."""
    if request.from_given or request.nocache:
        return None
    plan = _plan(request)
    if plan.urls or plan.documents or plan.parents or any(has_wildcards(path) for path in plan.paths):
        return None
    local = _local_sources(context_root, plan, request)
    try:
        digest = sources_digest(local, IgnoreMatcher(plan.exclude) if plan.exclude else None,
                                HashBudget(_LOOP_ENTRIES, _LOOP_BYTES))
    except OverBudget:
        return None
    _, created_by, _, key = _identity(plan, request, local, digest)
    return key, created_by


def _identity(plan: _Plan, request: CopyRequest, local: list[tuple[str, str]],
              digest: str) -> tuple[list[str], str, dict[str, Any], str]:
    """The step's command, its history line, the options its key adds, and its key."""
    step_cmd = [*request.shell, f"#(nop) {plan.keyword} {digest} in {plan.dest} "]
    created_by = " ".join(step_cmd)
    extra_key = _key_options(plan, request, local)
    return step_cmd, created_by, extra_key, step_key(request.parent_id or "", created_by, extra_key)


def _plan(request: CopyRequest) -> _Plan:
    instruction, expand = request.instruction, request.expand
    keyword, flags = instruction.keyword, instruction.flags
    if "keep-git-dir" in flags:
        raise InvalidArgument("ADD --keep-git-dir: Git sources are not supported by this daemon's builder")
    paths, documents = [], []
    for word in instruction.args[:-1]:
        document = instruction.heredoc_named(word)
        if document is None:
            paths.append(expand.word(word))
        else:
            documents.append((document.name, expand.document(document.text) if document.expand else document.text))
    for path in paths:
        if url_source.is_git(path):
            raise InvalidArgument(f"{keyword} failed: Git sources ({path}) are not supported by this daemon's builder")
        if url_source.is_url(path) and keyword == "COPY":
            raise InvalidArgument("source can't be a URL for COPY")
    if "checksum" in flags:
        url_source.check_checksum(expand.word(flags["checksum"]), paths)
    link = instruction.flag_on("link") and "chmod" not in flags  # as BuildKit: --chmod turns --link off
    return _Plan(keyword=keyword, paths=[p for p in paths if not url_source.is_url(p)],
                 urls=[p for p in paths if url_source.is_url(p)], documents=documents,
                 dest=_destination(expand.word(instruction.args[-1]), request.workdir),
                 chown=expand.word(flags["chown"]) if "chown" in flags else "",
                 chmod=expand.word(flags["chmod"]) if "chmod" in flags else "",
                 unpack=None if "unpack" not in flags else instruction.flag_on("unpack"),
                 exclude=list(instruction.flag_lists.get("exclude", [])), parents=instruction.flag_on("parents"),
                 link=link)


def _checksum(request: CopyRequest) -> str:
    flags = request.instruction.flags
    return request.expand.word(flags["checksum"]) if "checksum" in flags else ""


def _local_sources(root: str, plan: _Plan, request: CopyRequest) -> list[tuple[str, str]]:
    if not plan.paths:
        return []
    resolve = resolve_with_parents if plan.parents else resolve_sources
    return resolve(root, plan.paths, plan.keyword, in_context=not request.from_given)


def _key_options(plan: _Plan, request: CopyRequest, local: list[tuple[str, str]]) -> dict[str, Any]:
    """What the history line leaves out but decides the result (options added only when used,
    so the keys of plain COPYs stay as they were)."""
    options: dict[str, Any] = {"chown": plan.chown, "chmod": plan.chmod, "from": request.from_image or ""}
    if plan.parents:
        options["parents"] = [relative for _, relative in local]
    if plan.exclude:
        options["exclude"] = plan.exclude
    if plan.unpack is not None:
        options["unpack"] = plan.unpack
    if plan.link:
        options["link"] = True
    return options


def _copy_layer(builder, request: CopyRequest, plan: _Plan, local, fetched, created_by: str,
                extra_key: dict[str, Any]) -> str:
    """The step's layer: copied onto the parent, or (`--link`) into an empty layer put on it."""
    total = len(local) + len(fetched)
    into_dir = plan.dest.endswith("/") or plan.dest.endswith("/.") or plan.dest in (".", "/")
    if total > 1 and not into_dir:
        raise InvalidArgument(f"When using {plan.keyword} with more than one source file, "
                              "the destination must be a directory and end with a /")
    link_key = step_key("", "link " + created_by, extra_key) if plan.link else None
    if link_key is not None and not request.nocache:
        kept = builder.link_layers.lookup(link_key)
        if kept is not None:
            return builder.layers.apply(kept, request.parent_id).diff_id
    with builder.layers.writable(None if plan.link else request.parent_id) as (snapshot, target):
        owner = _owner_for(builder, request, plan, target)
        exclude = IgnoreMatcher(plan.exclude) if plan.exclude else None
        options = CopyOptions(owner=owner, chmod=_chmod(plan.chmod), exclude=exclude, parents=plan.parents,
                              extract_archives=plan.keyword == "ADD" and plan.unpack is not False)
        if local:
            copy_sources(local, target, plan.dest, options, plan.keyword)
        if fetched:
            url_options = CopyOptions(owner=owner, chmod=options.chmod, extract_archives=plan.unpack is True)
            copy_sources(fetched, target, plan.dest, url_options, plan.keyword)
        layer = builder.layers.commit_scratch(snapshot, target, request.parent_id)
    if link_key is not None:
        builder.link_layers.store(link_key, layer.diff_id)
    return layer.diff_id


def _owner_for(builder, request: CopyRequest, plan: _Plan, target: str) -> tuple[int, int] | None:
    if not plan.chown:
        return None if request.from_given else (0, 0)
    if not plan.link:
        return _owner(target, plan.chown)
    with builder.layers.read_only(request.parent_id) as parent_root:  # names as the parent knows them
        return _owner(parent_root, plan.chown)


def _write_document(directory: str, name: str, content: str) -> tuple[str, str]:
    """A here-document as a file (mode 0644, as BuildKit makes it) to copy from."""
    holder = tempfile.mkdtemp(dir=directory)
    base = posixpath.basename(name) or "heredoc"
    path = os.path.join(holder, base)
    with open(path, "x", encoding="utf-8") as f:
        f.write(content)
    os.chmod(path, 0o644)
    return path, base


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
