"""The build context: the client's tar unpacked into a private directory (blocking I/O).

The tar is hostile input: it is unpacked with the one confined extractor (no `..`, symlinks resolved
inside the directory, no devices). Every later path lookup (the Dockerfile, COPY sources)
is confined to the directory too: a source naming `..` or a symlink pointing outside gets
a clear error, never a file of the host.
"""

from __future__ import annotations

import fnmatch
import os
import posixpath
import shutil
import tempfile
from typing import BinaryIO

from dockyard.disk.removal import remove_later
from dockyard.dockerfile.ignore import IgnoreMatcher, read_patterns
from dockyard.errors import InvalidArgument, NotFound
from dockyard.confined.extract import DELETE, Extractor, Options
from dockyard.confined.paths import resolve_in_root
from dockyard.wire import tar_stream

_WILDCARDS = set("*?[")


class BuildContext:
    def __init__(self, root: str):
        self.root = root

    @classmethod
    def unpack(cls, stream: BinaryIO, parent_dir: str) -> "BuildContext":
        os.makedirs(parent_dir, exist_ok=True)
        root = tempfile.mkdtemp(prefix="context-", dir=parent_dir)
        try:
            Extractor(root, Options(whiteouts=DELETE)).extract(tar_stream.decompressed(stream))
            while stream.read(1 << 16):
                pass  # the tar's end padding: the whole body must be read
        except BaseException:
            shutil.rmtree(root, ignore_errors=True)
            raise
        return cls(root)

    def remove(self) -> None:
        """Out of the build's way: deleted in the background (a daemon that dies first leaves
        it to the start-up sweep of `context-*`)."""
        remove_later(self.root)

    def read_dockerfile(self, name: str) -> str:
        """The Dockerfile at `name` (relative to the context), then drop it and .dockerignore
        from the context when .dockerignore excludes them (the CLI always sends both)."""
        name = name or "Dockerfile"
        path = self._dockerfile_path(name)
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        matcher = self.ignore_matcher()
        for special in (os.path.relpath(path, self.root), ".dockerignore"):
            if matcher.ignored(special) and os.path.lexists(os.path.join(self.root, special)):
                os.unlink(os.path.join(self.root, special))
        return text

    def _dockerfile_path(self, name: str) -> str:
        relative = posixpath.normpath("/" + name).lstrip("/")
        candidates = [relative] + (["dockerfile"] if name == "Dockerfile" else [])
        for candidate in candidates:
            path = resolve_in_root(self.root, candidate)
            if os.path.isfile(path):
                return path
        raise NotFound(f"Cannot locate specified Dockerfile: {name}")

    def ignore_matcher(self) -> IgnoreMatcher:
        try:
            with open(os.path.join(self.root, ".dockerignore"), encoding="utf-8", errors="replace") as f:
                return IgnoreMatcher(read_patterns(f.read()))
        except (FileNotFoundError, IsADirectoryError):
            return IgnoreMatcher([])


def has_wildcards(source: str) -> bool:
    return bool(_WILDCARDS & set(source))


def resolve_sources(root: str, sources: list[str], what: str, in_context: bool = True) -> list[tuple[str, str]]:
    """(host path, path relative to `root`) of each COPY source; wildcards expanded, sorted.

    Paths are confined to `root`: `..` may not lead out, symlinks resolve inside it."""
    found: list[tuple[str, str]] = []
    for source in sources:
        cleaned = posixpath.normpath(source)
        if in_context and (cleaned == ".." or cleaned.startswith("../")):
            raise InvalidArgument(f"{what} failed: forbidden path outside the build context: {source} ()")
        relative = posixpath.normpath("/" + source).lstrip("/")
        if has_wildcards(relative):
            matches = _glob(root, relative)
            found += [(resolve_in_root(root, m), m) for m in matches]
            continue
        host = resolve_in_root(root, relative)
        if not os.path.lexists(host):
            where = "build context or excluded by .dockerignore" if in_context else "image"
            raise NotFound(f"{what} failed: file not found in {where}: stat {source}: file does not exist")
        found.append((host, relative))
    if not found:
        raise InvalidArgument(f"{what} failed: no source files were specified")
    return found


def resolve_with_parents(root: str, sources: list[str], what: str, in_context: bool = True) -> list[tuple[str, str]]:
    """`COPY --parents`: (host path, path kept under the destination) of each source. The kept
    path is the source's path, or the part after a `/./` in it (rsync's pivot); a pattern
    (wildcards, `**` for any number of directories) names everything under the pivot it matches."""
    found: list[tuple[str, str]] = []
    for source in sources:
        base, pivot, pattern = source.partition("/./")
        if not pivot:
            base, pattern = "", source
        base_rel = posixpath.normpath("/" + base).lstrip("/")
        pattern_rel = posixpath.normpath("/" + pattern).lstrip("/")
        if in_context and posixpath.normpath(source).startswith(".."):
            raise InvalidArgument(f"{what} failed: forbidden path outside the build context: {source} ()")
        base_host = resolve_in_root(root, base_rel) if base_rel else root
        if not has_wildcards(pattern_rel):
            found += [(host, posixpath.relpath(rel, base_rel) if base_rel else rel)
                      for host, rel in resolve_sources(root, [posixpath.join(base_rel, pattern_rel)], what, in_context)]
            continue
        matcher = IgnoreMatcher([pattern_rel])
        for dirpath, dirnames, filenames in os.walk(base_host):
            dirnames.sort()
            for name in sorted(dirnames + filenames):
                host = os.path.join(dirpath, name)
                rel = os.path.relpath(host, base_host)
                if matcher.ignored(rel) and not matcher.ignored(os.path.dirname(rel) or "."):
                    found.append((host, rel))
    if not found:
        raise InvalidArgument(f"{what} failed: no source files were specified")
    return found


def _glob(root: str, pattern: str) -> list[str]:
    """Context paths matching a Go filepath.Match pattern, element by element."""
    candidates = [""]
    for part in [p for p in pattern.split("/") if p]:
        following: list[str] = []
        for base in candidates:
            directory = resolve_in_root(root, base) if base else root
            if not has_wildcards(part):
                if os.path.lexists(os.path.join(directory, part)):
                    following.append(posixpath.join(base, part))
                continue
            try:
                names = sorted(os.listdir(directory))
            except (NotADirectoryError, FileNotFoundError):
                continue
            following += [posixpath.join(base, n) for n in names if fnmatch.fnmatchcase(n, part)]
        candidates = following
    return candidates
