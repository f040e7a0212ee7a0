"""A container's files and processes as clients inspect them: cp, export, diff, commit, top, stats."""

import asyncio
import contextlib
import io
import os
import tempfile

from dockyard.cgroups import open_cgroup
from dockyard.containers import archive
from dockyard.containers.changes import changes_from_diff
from dockyard.containers.stats import sample_stats
from dockyard.containers.top import top
from dockyard.errors import Conflict
from dockyard.images.importer import commit_container
from dockyard.snapshots.mount import for_daemon


class ContainerFiles:
    def __init__(self, registry, runner, watcher, images, layers, mounter, emit):
        self._registry, self._runner, self._watcher = registry, runner, watcher
        self._images, self._layers, self._mounter, self._emit = images, layers, mounter, emit

    @contextlib.contextmanager
    def held_root(self, container, freeze: bool = True, layer_only: bool = False):
        """The container's root as the host sees it, held still for the duration (blocking).

        Running: its own view (/proc/<pid>/root, volumes and /proc included) or, with
        `layer_only`, just its root filesystem; frozen either way. Stopped: its layer, mounted
        for the duration."""
        if container.state.status in ("running", "paused") and container.state.pid:
            cgroup = open_cgroup(self._runner.cgroup_path(container))
            thaw = freeze and container.state.status == "running"
            if thaw:
                cgroup.freeze()
            try:
                yield str(self._runner.rootfs(container.id)) if layer_only else f"/proc/{container.state.pid}/root"
            finally:
                if thaw:
                    cgroup.thaw()
            return
        parent = self._runner.state_dir(container.id).parent  # absent until a first container starts
        os.makedirs(parent, exist_ok=True)
        target = tempfile.mkdtemp(prefix="cp-", dir=parent)
        self._mounter.mount_all(for_daemon(self._layers.mounts(container.id)), target)
        try:
            yield target
        finally:
            self._mounter.unmount(target)
            os.rmdir(target)

    def _in_root(self, container, work, freeze: bool = True, layer_only: bool = False):
        with self.held_root(container, freeze, layer_only) as root:
            return work(root)

    async def stat(self, ref: str, path: str) -> dict:
        container = self._registry.get(ref)
        return await asyncio.to_thread(
            self._in_root, container, lambda root: archive.path_stat(root, path, container.name))

    async def archive_source(self, ref: str, path: str):
        """(stat, writer) for `GET .../archive`; the writer holds the root while it runs."""
        container = self._registry.get(ref)
        info = await self.stat(ref, path)
        return info, lambda out: self._in_root(container, lambda root: archive.write_archive(root, path, out))

    async def put_archive(self, ref: str, path: str, body, no_overwrite: bool, copy_uid_gid: bool) -> None:
        container = self._registry.get(ref)
        await asyncio.to_thread(self._in_root, container, lambda root: archive.extract_archive(
            root, path, body, container.name, no_overwrite, copy_uid_gid))

    def export_source(self, ref: str):
        container = self._registry.get(ref)
        self._emit(container, "export")
        return lambda out: self._in_root(container, lambda root: archive.write_export(root, out), layer_only=True)

    async def changes(self, ref: str) -> list[dict]:
        container = self._registry.get(ref)
        graph = self._layers.graph_driver(container.id)["Data"]
        lowers = [p for p in (graph.get("LowerDir") or "").split(":") if p]

        def compute() -> list[dict]:
            diff = io.BytesIO()
            self._images.snapshots.diff(container.id, diff)
            diff.seek(0)
            return changes_from_diff(diff, lowers)

        return await asyncio.to_thread(compute)

    async def commit(self, ref: str, repo: str | None, tag: str | None, author: str, comment: str,
                     changes: list[str], pause: bool) -> str:
        container = self._registry.get(ref)
        config = {k: v for k, v in container.config.items() if k not in ("Hostname", "Domainname")}
        image_id = await asyncio.to_thread(self._in_root, container, lambda root: commit_container(
            self._images, container.id, container.image_id, config, repo=repo, tag=tag, author=author,
            comment=comment, changes=changes, created_by=" ".join([container.path, *container.args])), pause)
        self._emit(container, "commit", comment=comment)
        return image_id

    async def top(self, ref: str, ps_args: str) -> dict:
        container = self._registry.get(ref)
        if not container.state.running:
            raise Conflict(f"Container {container.id} is not running")
        pids = await asyncio.to_thread(open_cgroup(self._runner.cgroup_path(container)).procs)
        return await top(pids, ps_args)

    def stats(self, ref: str, stream: bool):
        container = self._registry.get(ref)
        return sample_stats(container, self._runner.cgroup_path(container), stream,
                            lambda: self._watcher.shim_of(container.id) is not None)
