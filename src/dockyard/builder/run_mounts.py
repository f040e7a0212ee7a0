"""`RUN --mount` made real for one RUN container: each mount becomes a `HostConfig.Mounts`
entry of the container (or environment variables), held ready while the RUN runs.

- bind: the context, or a stage's or image's root (mounted read-only), at `source`; `rw`
  puts an overlay with a throw-away upper directory over it, so writes are discarded.
- cache: a directory of the cache store (`cache_mounts`), seeded from `from`/`source` or made
  with `uid`/`gid`/`mode`.
- tmpfs: a tmpfs of `size`.
- secret: the session's secret in a file on a private tmpfs (never on disk), bound read-only,
  and/or an environment variable; ssh: the session's agent socket. Without them (a classic
  build) the mount is skipped, or the RUN fails when it is `required`.
- a `#!` here-document: its file in `/dev/pipes`, read-only.

The cache key of the RUN includes `key_parts()`: the mounts and what they show (the bound
sources' checksums), never a secret's value nor a cache's contents.
"""

from __future__ import annotations

import asyncio
import os
import posixpath
import shutil
import tempfile
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Awaitable, Callable

from dockyard.confined.paths import resolve_in_root
from dockyard.builder.cache_mounts import CacheMounts
from dockyard.builder.copier import sources_digest
from dockyard.builder.session import BuildSession
from dockyard.dockerfile.cache_keys import step_key
from dockyard.dockerfile.heredoc import Heredoc
from dockyard.dockerfile.run_command import SCRIPT_DIR
from dockyard.dockerfile.run_mounts import BIND, CACHE, SECRET, SSH, TMPFS, RunMount
from dockyard.errors import NotFound
from dockyard.snapshots.mount import Mount


@dataclass
class MountSources:
    """Where mounts read from: the build context, and stages or images by name."""
    context_root: str
    image_of: Callable[[str], Awaitable[str | None]]    # `from` → image ID (None: scratch)


@dataclass
class PreparedMounts:
    host_mounts: list[dict[str, Any]] = field(default_factory=list)
    env: list[str] = field(default_factory=list)
    file_targets: list[str] = field(default_factory=list)   # stubs the runtime may create for file mounts


class RunMounts:
    def __init__(self, layers, cache: CacheMounts, mounter, work_dir: str):
        self.layers, self.cache, self.mounter, self.work_dir = layers, cache, mounter, work_dir

    async def key_parts(self, mounts: list[RunMount], sources: MountSources) -> list[Any]:
        """What each mount contributes to the RUN's cache key."""
        parts: list[Any] = []
        for mount in mounts:
            part: dict[str, Any] = {k: v for k, v in vars(mount).items() if v not in (None, "", False, 0)}
            if mount.type == BIND:
                part["content"] = await self._bind_digest(mount, sources)
            elif mount.type == CACHE and mount.from_:
                part["from"] = await sources.image_of(mount.from_) or "scratch"
            parts.append(part)
        return parts

    async def _bind_digest(self, mount: RunMount, sources: MountSources) -> str:
        if mount.from_:
            return f"{await sources.image_of(mount.from_) or 'scratch'}:{posixpath.normpath('/' + mount.source)}"
        path = _source_path(sources.context_root, mount.source)
        return await asyncio.to_thread(sources_digest, [(path, posixpath.basename(path) or ".")])

    @asynccontextmanager
    async def prepared(self, mounts: list[RunMount], sources: MountSources, session: BuildSession,
                       script: Heredoc | None, description: str) -> AsyncIterator[PreparedMounts]:
        out = PreparedMounts()
        async with AsyncExitStack() as stack:
            for index, mount in enumerate(mounts):
                await self._add(stack, out, mount, sources, session, description, first_ssh=_first_ssh(mounts, index))
            if script is not None:
                directory = await stack.enter_async_context(self._private_tmpfs())
                _write(os.path.join(directory, posixpath.basename(script.name)), script.content.encode(), 0o755, 0, 0)
                out.host_mounts.append(_bind(directory, SCRIPT_DIR, True))
            yield out

    async def _add(self, stack: AsyncExitStack, out: PreparedMounts, mount: RunMount, sources: MountSources,
                   session: BuildSession, description: str, first_ssh: bool) -> None:
        if mount.type == TMPFS:
            options: dict[str, Any] = {"Options": [["exec"]]}   # BuildKit's tmpfs lets programs run
            if mount.size:
                options["SizeBytes"] = mount.size
            out.host_mounts.append({"Type": "tmpfs", "Target": mount.target, "TmpfsOptions": options})
        elif mount.type == BIND:
            root = await self._root_of(stack, mount.from_, sources)
            path = _source_path(root, mount.source)
            if not mount.read_only and os.path.isdir(path):
                path = await stack.enter_async_context(self._discarding(path))
            out.host_mounts.append(_bind(path, mount.target, mount.read_only))
            if not os.path.isdir(path):
                out.file_targets.append(mount.target)
        elif mount.type == CACHE:
            path = await stack.enter_async_context(self._cache(mount, sources, description))
            out.host_mounts.append(_bind(path, mount.target, mount.read_only))
        elif mount.type == SECRET:
            await self._secret(stack, out, mount, session)
        elif mount.type == SSH:
            if first_ssh:
                out.env.append(f"SSH_AUTH_SOCK={mount.target}")
            socket = await stack.enter_async_context(session.ssh_agent(mount.id))
            if socket is None:
                if mount.required:
                    raise NotFound(f"unset ssh forward key {mount.id}{session.hint}")
                return
            os.chown(socket, mount.uid or 0, mount.gid or 0)
            os.chmod(socket, mount.mode if mount.mode is not None else 0o600)
            out.host_mounts.append(_bind(socket, mount.target, False))
            out.file_targets.append(mount.target)

    async def _secret(self, stack: AsyncExitStack, out: PreparedMounts, mount: RunMount, session: BuildSession) -> None:
        value = await session.secret(mount.id)
        if value is None:
            if mount.required:
                raise NotFound(f"secret {mount.id} not found: not found{session.hint}")
            return
        if mount.env:
            out.env.append(f"{mount.env}={value.decode('utf-8', 'replace')}")
        if mount.target:
            directory = await stack.enter_async_context(self._private_tmpfs())
            path = os.path.join(directory, "secret")
            _write(path, value, mount.mode if mount.mode is not None else 0o400, mount.uid or 0, mount.gid or 0)
            out.host_mounts.append(_bind(path, mount.target, True))
            out.file_targets.append(mount.target)

    async def _root_of(self, stack: AsyncExitStack, name: str, sources: MountSources) -> str:
        """The directory a `from` names: the context, or the root of a stage or image."""
        if not name:
            return sources.context_root
        image_id = await sources.image_of(name)
        view = self.layers.read_only(image_id)
        root = await asyncio.to_thread(view.__enter__)
        stack.push_async_callback(asyncio.to_thread, view.__exit__, None, None, None)
        return root

    @asynccontextmanager
    async def _cache(self, mount: RunMount, sources: MountSources, description: str) -> AsyncIterator[str]:
        base: dict[str, Any] = {"uid": mount.uid, "gid": mount.gid, "mode": mount.mode}
        image_id = None
        if mount.from_:
            image_id = await sources.image_of(mount.from_)
            base.update({"from": image_id or "scratch", "source": posixpath.normpath("/" + mount.source)})
        key = step_key(mount.id, "cache-mount", base)

        def seed(path: str) -> None:  # a new cache (in a worker thread)
            if not mount.from_:
                _seed_cache(path, None, mount)
                return
            with self.layers.read_only(image_id) as root:
                _seed_cache(path, _source_path(root, mount.source), mount)

        description = f"cached mount {mount.target} from exec {description}"
        async with self.cache.use(key, mount.sharing, seed, description) as path:
            yield path

    @asynccontextmanager
    async def _discarding(self, lower: str) -> AsyncIterator[str]:
        """`lower` under an overlay whose upper directory is thrown away afterwards."""
        top = tempfile.mkdtemp(prefix="mnt-", dir=self.work_dir)
        merged, upper, work = (os.path.join(top, n) for n in ("merged", "upper", "work"))
        for path in (merged, upper, work):
            os.mkdir(path)
        try:
            await asyncio.to_thread(self.mounter.mount, Mount(
                "overlay", "overlay", (f"lowerdir={lower}", f"upperdir={upper}", f"workdir={work}")), merged)
            try:
                yield merged
            finally:
                await asyncio.to_thread(self.mounter.unmount, merged)
        finally:
            shutil.rmtree(top, ignore_errors=True)

    @asynccontextmanager
    async def _private_tmpfs(self) -> AsyncIterator[str]:
        """A small tmpfs only root can enter, for secrets and inline scripts."""
        top = tempfile.mkdtemp(prefix="mnt-", dir=self.work_dir)
        try:
            private = Mount("tmpfs", "tmpfs", ("mode=700", "size=4m", "nosuid", "nodev"))
            await asyncio.to_thread(self.mounter.mount, private, top)
            try:
                yield top
            finally:
                await asyncio.to_thread(self.mounter.unmount, top)
        finally:
            os.rmdir(top)


def _first_ssh(mounts: list[RunMount], index: int) -> bool:
    return next(i for i, m in enumerate(mounts) if m.type == SSH) == index if mounts[index].type == SSH else False


def _bind(source: str, target: str, read_only: bool) -> dict[str, Any]:
    return {"Type": "bind", "Source": source, "Target": target, "ReadOnly": read_only}


def _source_path(root: str, source: str) -> str:
    path = resolve_in_root(root, source)
    if not os.path.lexists(path):
        raise NotFound(f'"{posixpath.normpath("/" + source)}" not found: not found')
    return path


def _write(path: str, data: bytes, mode: int, uid: int, gid: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, data)
        os.fchown(fd, uid, gid)
        os.fchmod(fd, mode)
    finally:
        os.close(fd)


def _seed_cache(path: str, source: str | None, mount: RunMount) -> None:
    """A new cache directory: a copy of its `from`, or empty (root's 0755, or uid/gid/mode)."""
    if source is not None and os.path.isdir(source):
        shutil.copytree(source, path, symlinks=True)
    else:
        os.mkdir(path)
    if mount.uid is not None or mount.gid is not None or mount.mode is not None or source is None:
        os.chown(path, mount.uid or 0, mount.gid or 0)
        os.chmod(path, mount.mode if mount.mode is not None else 0o755)
