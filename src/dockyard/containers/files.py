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
from dockyard.containers.users import user_in_root
from dockyard.errors import Conflict, InternalError
from dockyard.images.importer import commit_container
from dockyard.confined.paths import resolve_in_root
from dockyard.snapshots.mount import Mount, for_daemon


class ContainerFiles:
    def __init__(self, registry, runner, watcher, images, layers, mounter, emit, volumes=None):
        self._registry, self._runner, self._watcher = registry, runner, watcher
        self._images, self._layers, self._mounter, self._emit = images, layers, mounter, emit
        self._volumes = volumes           # volumes.ContainerMounts: a stopped container's volumes

    @contextlib.contextmanager
    def held_root(self, container, freeze: bool = True, layer_only: bool = False):
        """The container's root as the host sees it, held still for the duration (blocking).

        Running: its own view (/proc/<pid>/root, volumes and /proc included) or, with
        `layer_only`, just its root filesystem; frozen either way. Stopped, or exited just now
        (its exit not handled yet, its cgroup gone): its layer, mounted for the duration."""
        with self._frozen(container, freeze) as live:
            if live:
                yield str(self._runner.rootfs(container.id)) if layer_only else f"/proc/{container.state.pid}/root"
                return
        parent = self._runner.state_dir(container.id).parent  # absent until a first container starts
        os.makedirs(parent, exist_ok=True)
        target = tempfile.mkdtemp(prefix="cp-", dir=parent)
        self._mounter.mount_all(for_daemon(self._layers.mounts(container.id)), target)
        try:
            if self._volumes is None or layer_only:
                yield target
            else:
                with self._volumes.held_for_files(container, target) as volumes:
                    with self._volumes_on(target, volumes):
                        yield target
        finally:
            self._mounter.unmount(target)
            os.rmdir(target)

    @contextlib.contextmanager
    def _volumes_on(self, root: str, volumes: list[tuple[str, str, bool]]):
        """Bind the volumes and binds at their destinations under `root`, as a start would
        (mount points made in the layer as the runtime makes them)."""
        points: list[str] = []
        try:
            for destination, source, read_only in sorted(volumes, key=lambda v: v[0].count("/")):
                point = resolve_in_root(root, destination)
                if os.path.isdir(source):
                    os.makedirs(point, 0o755, exist_ok=True)
                elif not os.path.lexists(point):
                    os.makedirs(os.path.dirname(point), 0o755, exist_ok=True)
                    open(point, "a").close()
                options = ("rbind", "ro") if read_only else ("rbind",)
                self._mounter.mount(Mount("none", source, (*options, "nosuid", "nodev")), point)
                points.append(point)
            yield
        finally:
            for point in reversed(points):
                self._mounter.unmount(point, lazy=True)

    @contextlib.contextmanager
    def _frozen(self, container, freeze: bool):
        """Whether the container runs (or is paused); a running one frozen (`freeze`) for the
        duration. False when it has stopped, or exited just now (its exit not handled yet, its
        cgroup gone)."""
        if container.state.status in ("running", "paused") and container.state.pid:
            cgroup = open_cgroup(self._runner.cgroup_path(container))
            thaw = freeze and container.state.status == "running"
            if not thaw or _freeze_unless_gone(cgroup):
                try:
                    yield True
                finally:
                    if thaw:
                        _unless_gone(cgroup, cgroup.thaw)
                return
        yield False

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

        def extract(root: str) -> None:
            user = user_in_root(root, container.config.get("User") or "") if copy_uid_gid else None
            owner = (user.uid, user.gid) if user else None
            archive.extract_archive(root, path, body, container.name, no_overwrite, owner)

        await asyncio.to_thread(self._in_root, container, extract)

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
        config = dict(container.config)
        def commit_held_still() -> str:
            with self._frozen(container, pause):      # the layer's directory is read: no mount
                return commit_container(
                    self._images, container.id, container.image_id, config, repo=repo, tag=tag,
                    author=author, comment=comment, changes=changes,
                    created_by=" ".join([container.path, *container.args]))
        image_id = await asyncio.to_thread(commit_held_still)
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


def _freeze_unless_gone(cgroup) -> bool:
    """Freeze the cgroup; False if it no longer exists (the container has exited)."""
    return _unless_gone(cgroup, cgroup.freeze)


def _unless_gone(cgroup, change) -> bool:
    """Freeze or thaw; False if the cgroup is gone: its container exited, perhaps while frozen
    (a process already exiting is not held), and the runtime removed it."""
    try:
        change()
    except InternalError:
        if any(os.path.isdir(d) for d in cgroup.unique_dirs()):
            raise
        return False
    return True
