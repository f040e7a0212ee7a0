"""BuildKit's Dockerfile frontend (`dockerfile.v0`) as the edge sees it: its options → the
builder's, and the Dockerfile and context fetched from the client's session as BuildKit's
frontend fetches them (the Dockerfile's directory, then `.dockerignore`, then the context with
those patterns left out), each load shown as BuildKit shows it."""

from __future__ import annotations

import asyncio
import os
import time

from dockyard.api.buildkit import filesync
from dockyard.builder.builder import BuildOptions
from dockyard.builder.kept_contexts import KeptContext, KeptContexts
from dockyard.builder.vertices import BuildEvents
from dockyard.dockerfile.ignore import read_patterns
from dockyard.dockerfile import stage_graph
from dockyard.dockerfile.parser import parse
from dockyard.dockerfile.plan import plan_build
from dockyard.dockerfile.shell_words import ShellLex
from dockyard.errors import DockyardError, InvalidArgument, NotFound
from dockyard.oci import reference

NAME = "dockerfile.v0"
_IGNORED = {  # options that change nothing here, or that buildx sends to every builder
    "filename", "target", "no-cache", "platform", "force-network-mode", "image-resolve-mode",
    "context", "dockerfilekey", "contextkey", "cgroup-parent", "shm-size", "ulimit", "add-hosts",
    "multi-platform", "frontend.caps", "exporter-image-config", "build-arg:BUILDKIT_INLINE_CACHE",
}
_REFUSED = {"requestid": "--call/--check", "sbom": "--sbom", "attest:sbom": "--sbom"}


def build_options(attrs: dict[str, str]) -> BuildOptions:
    """`--build-arg`, `--label`, `--target`, `--no-cache`, `--network`, ... from the frontend's options."""
    for key, what in _REFUSED.items():
        if key in attrs and not (key == "requestid" and attrs[key] in ("", "frontend.build")):
            raise InvalidArgument(f"{what} is not supported by this daemon's builder")
    for key in attrs:
        if key.startswith(("context:", "attest:")):
            what = "--build-context" if key.startswith("context:") else f"--attest {key[len('attest:'):]}"
            raise InvalidArgument(f"{what} is not supported by this daemon's builder")
    platform = attrs.get("platform", "")
    if platform and platform not in ("linux/amd64", "linux/x86_64"):
        raise InvalidArgument(f"building for {platform} is not supported: this builder builds for linux/amd64 only")
    host: dict = {}
    if attrs.get("force-network-mode") and attrs["force-network-mode"] != "default":
        host["NetworkMode"] = attrs["force-network-mode"]
    if attrs.get("add-hosts"):
        host["ExtraHosts"] = [h for h in attrs["add-hosts"].split(",") if h]
    if attrs.get("cgroup-parent"):
        host["CgroupParent"] = attrs["cgroup-parent"]
    if attrs.get("shm-size") and attrs["shm-size"] != "0":
        host["ShmSize"] = int(attrs["shm-size"])
    return BuildOptions(
        dockerfile=attrs.get("filename") or "Dockerfile", target=attrs.get("target", ""),
        nocache="no-cache" in attrs and attrs["no-cache"] == "",
        build_args={k[len("build-arg:"):]: v for k, v in attrs.items() if k.startswith("build-arg:")},
        labels={k[len("label:"):]: v for k, v in attrs.items() if k.startswith("label:")},
        host_config=host, pull=attrs.get("image-resolve-mode") == "pull")


class LoadedContext:
    """The Dockerfile's text and the directories the client's file syncs filled for one build
    (`remove` when it is over): its Dockerfile's, its .dockerignore's and its context's, each
    the directory kept from the last build of the same one, if any (a rebuild of an unchanged
    Dockerfile asks for no bytes of it, as for the context's unchanged files)."""

    def __init__(self, kept: KeptContexts):
        self.dockerfile = ""
        self._kept_contexts = kept
        self._taken: dict[str, KeptContext] = {}
        self._complete: set[str] = set()

    @property
    def root(self) -> str:
        return self._taken["context"].path

    def take(self, role: str, key: str) -> KeptContext:
        """The directory of one transfer (`role`: dockerfile, dockerignore, context)."""
        self._taken[role] = self._kept_contexts.take(key)
        return self._taken[role]

    def completed(self, role: str) -> None:
        """Its transfer came whole: kept for the next build."""
        self._complete.add(role)

    def remove(self) -> None:
        """Each directory kept for the next build if its transfer came whole, else removed (off
        the build's path, as the classic context is)."""
        for role, kept in self._taken.items():
            self._kept_contexts.give_back(kept, role in self._complete)


async def load(session, attrs: dict[str, str], build, events: BuildEvents) -> LoadedContext:
    """`build`: the build service (its kept contexts)."""
    name = attrs.get("filename") or "Dockerfile"
    context_key = attrs.get("contextkey") or "context"
    dockerfile_key = attrs.get("dockerfilekey") or "dockerfile"
    loaded = LoadedContext(build.kept_contexts)
    context: _Fetch | None = None
    try:
        base = os.path.basename(name)
        definition = loaded.take("dockerfile", KeptContexts.key(session.shared_key, dockerfile_key, base))
        ignore_dir = loaded.take("dockerignore", KeptContexts.key(session.shared_key, context_key, ".dockerignore"))
        kept = loaded.take("context", KeptContexts.key(session.shared_key, context_key))
        # A context sent before is asked for again at once, with the patterns it was sent with,
        # and the context's .dockerignore with the Dockerfile: the three transfers overlap
        # (the context's is made again below if the patterns changed).
        if kept.patterns is not None:
            context = _Fetch(filesync.receive(session, context_key, kept.path, exclude=kept.patterns or None,
                                              kept=kept.entries), kept.patterns)
        ignore = _Fetch(filesync.receive(session, context_key, ignore_dir.path, include=[".dockerignore"],
                                         follow=[".dockerignore"], kept=ignore_dir.entries))
        try:
            vertex = events.start(f"[internal] load build definition from {base}")
            size = await filesync.receive(session, dockerfile_key, definition.path,
                                          include=[base, base + ".dockerignore"],
                                          follow=[base, base + ".dockerignore"], kept=definition.entries)
            loaded.completed("dockerfile")
            events.status(vertex, "transferring dockerfile:", size)
            events.done(vertex)
            try:
                with open(os.path.join(definition.path, base), encoding="utf-8", errors="replace") as f:
                    loaded.dockerfile = f.read()
            except FileNotFoundError:
                raise NotFound(f"failed to solve: failed to read dockerfile: open {base}: "
                               "no such file or directory") from None
            excludes = await _ignore_patterns(ignore, definition.path, base, ignore_dir.path, events)
            if ignore.task.done() and not ignore.task.cancelled() and ignore.task.exception() is None:
                loaded.completed("dockerignore")
        finally:
            ignore.cancel()
        build_args = {k[len("build-arg:"):]: v for k, v in attrs.items() if k.startswith("build-arg:")}
        for image in external_bases(loaded.dockerfile, build_args, attrs.get("target", "")):
            events.done(events.start(f"[internal] load metadata for {image}"))
        if context is None or context.patterns != excludes:
            if context is not None and not await context.stop():
                kept.empty()
            context = _Fetch(filesync.receive(session, context_key, kept.path, exclude=excludes or None,
                                              kept=kept.entries), excludes)
        vertex = events.start("[internal] load build context", started=context.started)
        size = await context.task
        kept.patterns = excludes
        loaded.completed("context")
        events.status(vertex, "transferring context:", size)
        events.done(vertex)
        return loaded
    except BaseException:
        if context is not None and await context.stop():   # whole: kept for the next build
            kept.patterns = context.patterns
            loaded.completed("context")
        loaded.remove()
        raise


class _Fetch:
    """A transfer started ahead of its turn: when it began, its task, the patterns it was asked with."""

    def __init__(self, transfer, patterns: list[str] | None = None):
        self.started, self.patterns = time.time(), patterns
        self.task = asyncio.ensure_future(transfer)
        self.task.add_done_callback(lambda task: task.cancelled() or task.exception())   # retrieved

    def cancel(self) -> None:
        self.task.cancel()

    async def stop(self) -> bool:
        """Cancel it, and wait until it has; whether it had completed (what it wrote is whole)."""
        self.task.cancel()
        await asyncio.wait([self.task])
        return not self.task.cancelled() and self.task.exception() is None


def external_bases(dockerfile: str, build_args: dict[str, str], target: str = "") -> list[str]:
    """The images the stages the target needs start from (not scratch, not earlier stages), as
    BuildKit names them: the ARGs before the first FROM expanded, `--build-arg` overriding."""
    try:
        parsed = parse(dockerfile)
        plan = plan_build(parsed, target)
    except DockyardError:
        return []  # the build reports it
    lex = ShellLex(parsed.escape)
    meta: dict[str, str] = {}
    found: list[str] = []
    try:
        for instruction in plan.meta_args:
            for key, default in instruction.pairs:
                value = build_args.get(key, lex.expand_word(default, meta) if default is not None else None)
                if value is not None:
                    meta[key] = value
        built = stage_graph.needed(plan, lambda word: lex.expand_word(word, meta))
    except DockyardError:
        return []
    for index in built:
        try:
            base = lex.expand_word(plan.stages[index].base, meta)
            if base.lower() == "scratch" or plan.stage_named(base, index) is not None:
                continue
            name = str(reference.parse(base).with_default_tag())
        except InvalidArgument:
            continue
        if name not in found:
            found.append(name)
    return found


async def _ignore_patterns(fetch: _Fetch, definition: str, base: str, ignore_dir: str,
                           events: BuildEvents) -> list[str]:
    """`<Dockerfile>.dockerignore` beside the Dockerfile wins over the context's `.dockerignore`
    (which is then neither waited for nor shown)."""
    beside = os.path.join(definition, base + ".dockerignore")
    if not os.path.isfile(beside):
        size = await fetch.task
        vertex = events.start("[internal] load .dockerignore", started=fetch.started)
        events.status(vertex, "transferring context:", size)
        events.done(vertex)
    path = beside if os.path.isfile(beside) else os.path.join(ignore_dir, ".dockerignore")
    if not os.path.isfile(path):
        return []
    with open(path, encoding="utf-8", errors="replace") as f:
        return read_patterns(f.read())
