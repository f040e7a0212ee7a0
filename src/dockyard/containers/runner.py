"""Turning a container record into a running process, and tidying up after it exits.

Start: mount the container's root filesystem, set up its network, plan its mounts, write the
OCI bundle, and hand the bundle to a shim. Teardown undoes each step, in reverse, and is
safe to repeat (after a crash it runs for containers whose shim is gone).
"""

import asyncio
import functools
import json
import logging
import os
import posixpath
import shutil
from pathlib import Path

from dockyard.cgroups import cgroup_version, open_cgroup
from dockyard.cgroups.mounts import read_hierarchies
from dockyard.cgroups.move_warmup import begin_grace_period, own_procs_file
from dockyard.containers.inspect import stopped_network_settings
from dockyard.containers.model import Container
from dockyard.containers.users import user_in_root
from dockyard.errors import Conflict
from dockyard.metadata import atomic
from dockyard.oci.capabilities import CAPABILITY_NAMES
from dockyard.oci.defaults import DEFAULT_SHM_SIZE
from dockyard.oci.resources import linux_resources
from dockyard.oci.spec import SpecContext, generate_spec
from dockyard.runtime.host import device_for, host_devices
from dockyard.shim.client import ShimClient
from dockyard.shim.launcher import PendingShim
from dockyard.shim.logopts import CRI_LOG_DRIVER
from dockyard.snapshots.mount import Mount

log = logging.getLogger(__name__)


class ContainerRunner:
    def __init__(self, exec_root: Path, layers, mounter, shims, runtimes, networks=None, volumes=None,
                 host_capabilities: list[str] | None = None, cgroup_parent: str = "dockyard",
                 find_container=None):
        self._exec_root = exec_root
        self._layers, self._mounter, self._shims, self.runtimes = layers, mounter, shims, runtimes
        self._networks, self._volumes = networks, volumes
        self._host_capabilities = host_capabilities
        self._cgroup_parent = cgroup_parent
        self._find_container = find_container   # ref -> Container, for the container:<id> modes

    @property
    def host_capabilities(self) -> list[str]:
        """What privileged gets: every capability the host's bounding set has (when not told,
        every one we know, as the spec's own default)."""
        return list(CAPABILITY_NAMES) if self._host_capabilities is None else self._host_capabilities

    @property
    def default_runtime(self) -> str:
        return self.runtimes.default

    async def start(self) -> None:
        await self._shims.start()

    async def close(self) -> None:
        await self._shims.close()

    @functools.cached_property
    def cgroup_v2(self) -> bool:
        return cgroup_version() == 2

    @functools.cached_property
    def _own_procs_file(self) -> str | None:
        with open("/proc/self/cgroup") as proc_cgroup:
            return own_procs_file(read_hierarchies(), proc_cgroup.read())

    def cgroup_path(self, container: Container) -> str:
        """<parent>/<id>: the container's --cgroup-parent (taken from the cgroup root, as dockerd's
        cgroupfs driver does with an absolute one), else the daemon's."""
        return self._cgroup_path(container.id, container.host_config.get("CgroupParent"))

    def _cgroup_path(self, container_id: str, parent: str | None) -> str:
        parent = posixpath.normpath("/" + (parent or self._cgroup_parent)).strip("/")   # `..` stays in
        return f"/{parent}/{container_id}" if parent else f"/{container_id}"

    async def update(self, container: Container, changes: dict) -> None:
        """Apply new resource limits to a running container's cgroup."""
        resources = linux_resources({**container.host_config, **changes}, bool(container.host_config.get("Privileged")))
        cgroup = open_cgroup(self.cgroup_path(container))
        await asyncio.to_thread(cgroup.apply, resources)

    async def kill_leftovers(self, container: Container) -> None:
        """The shim is gone: SIGKILL whatever still runs of the container, and remove its runtime
        state and cgroup."""
        await _quietly("runtime delete", self.runtimes.delete_state(container.runtime, container.id))
        await _quietly("cgroup cleanup", asyncio.to_thread(open_cgroup(self.cgroup_path(container)).delete))

    def has_leftovers(self, container: Container) -> bool:
        """Runtime state or a mounted root file system: a start or a stop was cut short."""
        return os.path.ismount(self.rootfs(container.id)) or self.runtimes.has_state(container.runtime, container.id)

    @property
    def containers_dir(self) -> Path:
        return self._exec_root / "containers"

    def unrecorded(self, known: set[str]) -> set[str]:
        """IDs with a state directory or runtime state but no record."""
        ids = {entry.name for entry in os.scandir(self.containers_dir) if entry.is_dir()} \
            if self.containers_dir.is_dir() else set()
        return (ids | set(self.runtimes.state_ids())) - known

    async def clean_unrecorded(self, container_id: str) -> None:
        """Kill and remove what a container left that has no record: its shim, runtime state,
        cgroup (under the daemon's parent: the record that named another is gone), mounts, state."""
        log.info("removing what is left of container %s, which has no record", container_id[:12])
        shim = await ShimClient.connect(self.state_dir(container_id))
        if shim is not None:
            await _quietly("shim shutdown", shim.shutdown())
        for runtime in self.runtimes.state_ids().get(container_id, []):
            await _quietly("runtime delete", self.runtimes.delete_state(runtime, container_id))
        cgroup = open_cgroup(self._cgroup_path(container_id, None))
        await _quietly("cgroup cleanup", asyncio.to_thread(cgroup.delete))
        rootfs = self.rootfs(container_id)
        if os.path.ismount(rootfs):
            self._mounter.unmount(str(rootfs), lazy=True)
        await asyncio.to_thread(shutil.rmtree, self.state_dir(container_id), True)

    def state_dir(self, container_id: str) -> Path:
        return self.containers_dir / container_id

    def rootfs(self, container_id: str) -> Path:
        return self.state_dir(container_id) / "rootfs"

    async def launch(self, container: Container, files_dir: Path) -> object:
        """Everything up to a created (not yet started) process; returns its shim.

        The shim forks and sets up while the rootfs, the network namespace and the bundle are
        made; the network's endpoints are configured while the runtime creates the container in
        its (already made) network namespace: both take tens of milliseconds."""
        if self._own_procs_file is not None:     # the init's cgroup move will not wait (move_warmup)
            asyncio.get_running_loop().run_in_executor(None, begin_grace_period, self._own_procs_file)
        rootfs = self.rootfs(container.id)
        link_env: list[str] = []
        if self._networks is not None:
            self._networks.adopt_hostname(container)
            link_env = self._networks.legacy_links(container)[0]   # fails early if a linked one is down
        pending = await self._begin_shim(container)
        try:
            # New directories and files (each an inode allocation, slow on a busy disk) and the
            # rootfs's passwd are a worker thread's: parallel starts do not stall the event loop.
            context = await asyncio.to_thread(self._prepare_root, container, rootfs,
                                              self._layers.mounts(container.id), files_dir)
            context.link_env = link_env
            self._complete_context(container, context)
            self._mount_shareable_shm(container, context)
            prepared = await self._network_namespace(container, context, files_dir)
            if self._volumes is not None:
                context.mounts = await self._volumes.mounts_for_start(container, str(rootfs))
            await self._write_bundle(container, context)
        except BaseException:
            pending.abort()
            raise
        launching = asyncio.ensure_future(pending.go())
        if prepared is not None:
            return await launching
        try:
            container.network_settings = await self._networks.configure(container, files_dir)
        except BaseException:
            await _shut_down_quietly(launching)
            raise
        return await launching

    def _prepare_root(self, container: Container, rootfs: Path, mounts: list[Mount], files_dir: Path) -> SpecContext:
        """In a worker thread: the mounted rootfs, the name files, the user from its passwd."""
        rootfs.mkdir(parents=True, exist_ok=True)
        if not os.path.ismount(rootfs):
            self._mounter.mount_all(mounts, str(rootfs))
        hostname = container.config.get("Hostname") or container.id[:12]
        return SpecContext(
            rootfs=str(rootfs),
            hostname=hostname,
            user=user_in_root(str(rootfs), container.config.get("User") or "", container.host_config.get("GroupAdd")),
            cgroup_path=self.cgroup_path(container),
            cgroupns_private=container.host_config.get("CgroupnsMode") == "private",
            **_write_name_files(files_dir, hostname),
        )

    def _complete_context(self, container: Container, context: SpecContext) -> None:
        container.hostname_path = context.hostname_path or ""
        container.hosts_path, container.resolv_conf_path = context.hosts_path or "", context.resolv_conf_path or ""
        if self._host_capabilities is not None:
            context.host_capabilities = self._host_capabilities
        if container.host_config.get("Privileged"):
            context.host_devices = host_devices()
        context.devices = [device_for(d.get("PathOnHost", ""), d.get("PathInContainer", ""),
                                      d.get("CgroupPermissions") or "rwm")
                           for d in container.host_config.get("Devices") or []]
        self._join_namespaces(container, context)

    def _join_namespaces(self, container: Container, context: SpecContext) -> None:
        """`--ipc`/`--pid` `container:<id>` (and a pod's shared UTS namespace): join that running
        container's namespaces, and for IPC its /dev/shm too. dockerd's wording when it cannot."""
        for kind, key in (("pid", "PidMode"), ("ipc", "IpcMode"), ("uts", "UTSMode")):
            mode = container.host_config.get(key) or ""
            if not mode.startswith("container:") or self._find_container is None:
                continue
            other = self._find_container(mode.split(":", 1)[1])        # NotFound: "No such container"
            prefix = f"can't join IPC of container {other.id}: " if kind == "ipc" else ""
            if not other.state.running or not other.state.pid:
                raise Conflict(f"{prefix}container {other.id} is not running")
            context.namespace_paths[kind] = f"/proc/{other.state.pid}/ns/{kind}"
            if kind == "ipc":
                context.shm_path = str(self._shm_path(other.id))
                if not os.path.ismount(context.shm_path):
                    raise Conflict(f"{prefix}non-shareable IPC (hint: use IpcMode:shareable for the donor container)")

    def _shm_path(self, container_id: str) -> Path:
        return self.state_dir(container_id) / "shm"

    def _mount_shareable_shm(self, container: Container, context: SpecContext) -> None:
        """`--ipc shareable`: /dev/shm is a tmpfs on the host that `container:<id>` joiners
        bind-mount too (a mount in another container's namespace cannot be bound)."""
        if (container.host_config.get("IpcMode") or "") != "shareable":
            return
        path = self._shm_path(container.id)
        path.mkdir(parents=True, exist_ok=True)
        if not os.path.ismount(path):
            size = int(container.host_config.get("ShmSize") or 0) or DEFAULT_SHM_SIZE
            self._mounter.mount(Mount("tmpfs", "shm", ("nosuid", "nodev", "noexec", "mode=1777", f"size={size}")),
                                str(path))
        context.shm_path = str(path)

    async def _network_namespace(self, container: Container, context: SpecContext, files_dir: Path) -> dict | None:
        """Phase one of networking. Returns the final settings when there is no phase two."""
        if self._networks is None:
            return {}
        settings = await self._networks.prepare(container, files_dir)
        if settings is None:
            context.netns_path = self._networks.sandbox_path(container)
            return None
        context.netns_path = settings.get("SandboxKey") or None
        if settings.get("host_mode"):
            context.namespace_paths["network"] = "host"
        container.network_settings = {k: v for k, v in settings.items() if k != "host_mode"}
        return settings

    def _bundle(self, container_id: str) -> Path:
        return self.state_dir(container_id) / "bundle"

    async def _write_bundle(self, container: Container, context: SpecContext) -> None:
        # from the container's config alone, as dockerd: the image's was merged into it at create
        # (`--entrypoint ""` stays no entrypoint; an image removed since is not needed)
        spec = generate_spec({}, {**container.config, "HostConfig": container.host_config}, context)
        await asyncio.to_thread(_write_spec, self._bundle(container.id), json.dumps(spec).encode())

    async def _begin_shim(self, container: Container) -> PendingShim:
        """A shim forked and set up, waiting for the bundle (`go`) to create the container."""
        console = container.host_config.get("ConsoleSize") or [0, 0]
        logged = bool(container.log_path)             # not with `--log-driver none`
        log_config = container.host_config.get("LogConfig") or {}
        cri_log = log_config.get("Type") == CRI_LOG_DRIVER
        return await self._shims.begin(
            container_id=container.id, state_dir=self.state_dir(container.id), bundle=self._bundle(container.id),
            runtime=self.runtimes.choice(container.runtime), tty=container.tty,
            open_stdin=bool(container.config.get("OpenStdin")),
            log_path=Path(container.log_path) if logged else None,
            log_opts=log_config.get("Config") if logged and not cri_log else None,
            log_format="cri" if cri_log else "json-file",
            console_size=tuple(console) if any(console) else None,
            auto_remove=bool(container.host_config.get("AutoRemove")),
        )

    async def teardown(self, container: Container) -> None:
        """Undo launch; each step tolerates having been done already. The unmounts (each waits
        for the kernel's RCU) run in a worker thread beside the network's teardown."""
        unmounting = asyncio.ensure_future(asyncio.to_thread(self._unmount_all, container.id))
        try:
            if self._networks is not None:
                await _quietly("network teardown", self._networks.teardown(container))
                container.network_settings = stopped_network_settings(container.network_settings or {})
            if self._volumes is not None:
                await _quietly("volume release", self._volumes.after_stop(container))
        finally:
            await unmounting

    def _unmount_all(self, container_id: str) -> None:
        for mounted in (self.rootfs(container_id), self._shm_path(container_id)):
            if os.path.ismount(mounted):
                try:
                    self._mounter.unmount(str(mounted), lazy=True)
                except OSError as err:
                    log.warning("unmount %s: %s", mounted, err)


def _write_name_files(files_dir: Path, hostname: str) -> dict:
    """The container's /etc/hostname, and its hosts and resolv.conf until its network writes them."""
    (files_dir / "hostname").write_text(hostname + "\n")
    if not (files_dir / "hosts").exists():
        (files_dir / "hosts").write_text(_default_hosts(hostname))
    if not (files_dir / "resolv.conf").exists():
        (files_dir / "resolv.conf").write_text(_host_resolv_conf())
    return {"hostname_path": str(files_dir / "hostname"), "hosts_path": str(files_dir / "hosts"),
            "resolv_conf_path": str(files_dir / "resolv.conf")}


def _write_spec(bundle: Path, spec: bytes) -> None:
    bundle.mkdir(parents=True, exist_ok=True)
    atomic.write_bytes(str(bundle / "config.json"), spec, durable=False)  # 0600: env


def _default_hosts(hostname: str) -> str:
    return ("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
            "fe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\n"
            f"ff02::2\tip6-allrouters\n127.0.1.1\t{hostname}\n")


def _host_resolv_conf() -> str:
    try:
        return Path("/etc/resolv.conf").read_text()
    except OSError:
        return ""


async def _quietly(what: str, coroutine) -> None:
    try:
        await coroutine
    except Exception as err:  # teardown must finish every step even when one fails
        log.warning("%s failed: %s", what, err)


async def _shut_down_quietly(launching: asyncio.Future) -> None:
    """A launch whose network setup failed: end the created container, if it was created."""
    try:
        shim = await launching
    except Exception:
        return
    await _quietly("shim shutdown", shim.shutdown())
