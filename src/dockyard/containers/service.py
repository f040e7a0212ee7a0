"""The container life cycle: create, start, stop, kill, restart, pause, rename, remove, wait."""

import asyncio
import logging
import signal as signals
import time

from dockyard.containers import names, recovery
from dockyard.containers.creation import new_container
from dockyard.containers.filters import prunable
from dockyard.containers.health import initial_health
from dockyard.containers.linking import remove_link
from dockyard.containers.model import Container, State
from dockyard.containers.removal import ContainerRemoval
from dockyard.containers.restart_policy import should_restart, starts_with_daemon
from dockyard.containers.restart_timers import RestartTimers
from dockyard.containers.updates import apply_update
from dockyard.containers.views import ContainerViews
from dockyard.containers.waiters import WaitResult
from dockyard.errors import Conflict, DockyardError, InternalError, InvalidArgument, NotFound, NotModified
from dockyard.oci.signals import parse_signal
from dockyard.shim.logopts import DEFAULT_LOG_CONFIG
from dockyard.wire.times import until_filter

log = logging.getLogger(__name__)
_DEFAULT_STOP_TIMEOUT = 10
_KILL_EXIT_TIMEOUT = 10   # dockerd waits 2 s for the exit of a SIGKILLed container; a loaded host needs more


class ContainerService:
    def __init__(self, registry, runner, watcher, late_sessions, execs, images, events, waiters, volumes=None,
                 health=None, live_network_settings=None, log_default: dict = DEFAULT_LOG_CONFIG,
                 drop_link_hosts=None):
        self._registry, self._runner, self._watcher, self._execs = registry, runner, watcher, execs
        self._images, self._events, self._waiters, self._volumes = images, events, waiters, volumes
        self._late, self._log_default = late_sessions, log_default  # the daemon's --log-driver/--log-opt
        self._health = health
        self.views = ContainerViews(registry, execs, images, live_network_settings)
        self._drop_link_hosts = drop_link_hosts   # (container id, alias): its /etc/hosts line goes
        self._locks: dict[str, asyncio.Lock] = {}
        self._restarts = RestartTimers()
        self._removal = ContainerRemoval(registry, runner, images, volumes, late_sessions, self._restarts,
                                         events, waiters)

    def _lock(self, container_id: str) -> asyncio.Lock:
        return self._locks.setdefault(container_id, asyncio.Lock())

    def get(self, ref: str) -> Container:
        return self._registry.get(ref)

    def all(self) -> list[Container]:
        return self._registry.all()

    def counts(self) -> dict[str, int]:
        return self._registry.counts()

    # -- create -------------------------------------------------------------------------
    async def create(self, body: dict, name: str, platform: str | None,
                     cri_log_path: str | None = None, init_layer: bool = True) -> tuple[str, list[str]]:
        """cri_log_path: the output goes there in the kubelet's format (containers of the CRI,
        which, as containerd's, have no init layer); init_layer: dockerd's (/.dockerenv, mount
        points kept out of diff and commit)."""
        def claim_name() -> str:
            chosen = names.validate(name) if name else self._registry.new_name()
            self._registry.check_name(chosen)
            return chosen

        container, image, logged = new_container(body, self._images.for_container, claim_name, self._runner.runtimes,
                                                 self._runner.cgroup_v2, self._log_default, self.get,
                                                 cri_log=bool(cri_log_path))
        container_id = container.id
        files_dir = self._registry.directory(container_id)
        container.log_path = cri_log_path or (str(files_dir / f"{container_id}-json.log") if logged else "")
        if self._volumes is not None:
            container.mounts = await self._volumes.plan_for_create(container, image.config)
        try:
            # its directory and fsynced record made by a worker thread, off the event loop
            await asyncio.to_thread(self._images.prepare_container_layer, container_id, image.id,
                                    init_layer and not cri_log_path)
            await self._registry.add(container)
        except Exception:
            self._images.remove_container_layer(container_id)
            if self._volumes is not None:
                await self._volumes.after_remove(container, remove_anonymous=True)
            raise
        self._events(container, "create")
        return container_id, []

    # -- start --------------------------------------------------------------------------
    async def start(self, ref: str) -> None:
        container = self.get(ref)
        async with self._lock(container.id):
            if container.state.status in ("running", "restarting"):
                raise NotModified("container already started")
            if container.state.status == "paused":
                raise Conflict("cannot start a paused container, try unpause instead")
            if container.state.status in ("removing", "dead"):
                raise Conflict("container is marked for removal and cannot be started")
            await self._start_locked(container)

    async def _start_locked(self, container: Container) -> None:
        files_dir = self._registry.directory(container.id)
        try:
            shim = await self._runner.launch(container, files_dir)
            await self._late.bind_all(container.id, shim)
            await shim.start()
        except Exception as err:
            await self._start_failed(container, err)
            raise
        container.state = State(status="running", pid=shim.pid, started_at=time.time_ns(),
                                health=initial_health(container.config),
                                finished_at=container.state.finished_at)  # the last run's end stays, as dockerd
        saved = self._registry.save_in_thread(container)
        self._events(container, "start")
        self._watcher.watch(container, shim, self.handle_exit)
        if self._health is not None:
            self._health.start(container)
        await saved

    async def _start_failed(self, container: Container, err: Exception) -> None:
        message = getattr(err, "message", str(err))
        missing = "not found" in message or "no such file" in message
        code = 127 if missing else 126 if "permission denied" in message else 128
        self._late.abandon_all(container.id)
        await self._runner.teardown(container)
        container.state = State(status="created" if not container.state.finished_at else "exited",
                                exit_code=code, error=message, finished_at=container.state.finished_at)
        self._registry.save(container)
        self._events(container, "die", exitCode=str(code))
        result = WaitResult(code)
        self._waiters.exited(container.id, result)
        if container.host_config.get("AutoRemove"):
            await self._removal.remove(container, volumes=True)

    # -- daemon start and stop ------------------------------------------------------------
    async def adopt_all(self) -> None:
        """At start: records, runtime state and live shims made to agree again, live shims
        adopted (live restore), what a killed daemon left half made finished or rolled back."""
        await recovery.recover(self._registry, self._runner, self, self._images)

    async def adopt(self, container: Container, shim) -> None:
        """A live shim found at start (recovery.py) is watched from now on."""
        self._watcher.watch(container, shim, self.handle_exit)
        if self._health is not None:
            self._health.start(container)

    async def finish_removal(self, container: Container) -> None:
        """A removal a killed daemon began: done now, anonymous volumes too, as dockerd does."""
        await self._removal.remove(container, volumes=True)

    def running_ids(self) -> list[str]:
        return [c.id for c in self._registry.all() if c.state.running]

    async def start_restartable(self) -> None:
        """`always` and `unless-stopped` containers come back with the daemon."""
        for container in self._registry.all():
            if container.state.status == "restarting" or (
                    not container.state.running
                    and starts_with_daemon(container.host_config.get("RestartPolicy") or {},
                                           container.state.stopped_by_user)
                    and container.state.started_at):
                try:
                    async with self._lock(container.id):
                        await self._start_locked(container)
                except Exception as err:
                    log.warning("could not restart %s: %s", container.name, err)

    async def close(self) -> None:
        self._restarts.cancel_all()
        await self._watcher.close()

    # -- exits ---------------------------------------------------------------------------
    async def handle_exit(self, container: Container, shim, status) -> None:
        """One run ended: record it, tidy up, then restart or auto-remove as the policy says."""
        if self._health is not None:
            self._health.stop(container.id)
        code = status.code if status is not None else 255
        ran_for = (time.time_ns() - container.state.started_at) / 1e9
        oom = bool(status is not None and status.oom_killed)
        container.state = State(status="exited", exit_code=code, oom_killed=oom,
                                started_at=container.state.started_at,
                                finished_at=status.finished_at_ns if status is not None else time.time_ns(),
                                stopped_by_user=container.state.stopped_by_user)
        if oom:
            self._events(container, "oom")
        self._events(container, "die", exitCode=str(code))
        restart = should_restart(container.host_config.get("RestartPolicy") or {}, code, container.restart_count,
                                 container.state.stopped_by_user)
        # The runtime's delete (in the shim) and the network/volume/rootfs teardown are
        # independent; an auto-removal goes on meanwhile and waits for the delete at its end.
        shim_ending = asyncio.ensure_future(self._end_shim(container, shim, status))
        await self._runner.teardown(container)
        if not restart and container.host_config.get("AutoRemove"):
            self._waiters.exited(container.id, WaitResult(code))
            await self._removal.remove(container, volumes=True, shim_ending=shim_ending)
            return
        await shim_ending                 # a restart's shim takes the same state directory
        self._registry.save(container)
        self._waiters.exited(container.id, WaitResult(code))
        if restart:
            self._schedule_restart(container, ran_for)

    async def _end_shim(self, container: Container, shim, status) -> None:
        if shim is not None and status is not None:
            try:
                await shim.shutdown()
            except Exception as err:
                log.warning("shim shutdown of %s: %s", container.id[:12], err)
        else:  # the shim died: nobody reaps what it ran, so end it through the cgroup
            await self._runner.kill_leftovers(container)

    def _schedule_restart(self, container: Container, ran_for: float) -> None:
        container.state.status = "restarting"
        self._registry.save(container)
        self._restarts.schedule(container.id, ran_for, lambda: self._restart_by_policy(container))

    async def _restart_by_policy(self, container: Container) -> None:
        self._restarts.fired(container.id)
        if self._registry.find(container.id) is None or container.state.status != "restarting":
            return
        async with self._lock(container.id):
            container.restart_count += 1
            try:
                await self._start_locked(container)
            except Exception as err:
                log.warning("restart of %s failed: %s", container.id[:12], err)
                return
        self._events(container, "restart")

    # -- signals, stop, restart ----------------------------------------------------------
    async def kill(self, ref: str, signal: str | int) -> None:
        container = self.get(ref)
        number = parse_signal(signal)
        if not container.state.running:
            raise Conflict(f"Cannot kill container: {ref}: Container {container.id} is not running")
        self._events(container, "kill", signal=str(number))
        exited = self._watcher.exit_future(container.id)
        await self._resume_if_paused(container)   # dockerd unpauses whatever the signal
        if not await self._watcher.signal(container, number) and container.state.status != "restarting":
            raise Conflict(f"Cannot kill container: {ref}: Container {container.id} is not running")
        if number == signals.SIGKILL:             # dockerd answers once the container has exited
            try:
                await asyncio.wait_for(asyncio.shield(exited), _KILL_EXIT_TIMEOUT)
            except asyncio.TimeoutError:
                raise InternalError("tried to kill container, but did not receive an exit event") from None

    async def _resume_if_paused(self, container: Container) -> None:
        """A frozen process takes no signal (cgroup v1 freezer): thaw it first, as dockerd does."""
        if container.state.status == "paused":
            await self._set_paused(container, False)

    async def stop(self, ref: str, timeout: int | None, signal: str | None = None) -> None:
        container = self.get(ref)
        if container.state.status == "restarting":
            await self._cancel_restart(container)
            return
        if not container.state.running:
            raise NotModified("container already stopped")
        container.state.stopped_by_user = True
        self._registry.save(container, durable=True)  # the user's intent must survive a crash
        await self._stop_running(container, timeout, signal)
        self._events(container, "stop")

    async def _stop_running(self, container: Container, timeout: int | None, signal: str | None) -> None:
        stop_signal = parse_signal(signal or container.config.get("StopSignal") or "TERM")
        if timeout is None:
            timeout = container.config.get("StopTimeout") or _DEFAULT_STOP_TIMEOUT
        exited = self._watcher.exit_future(container.id)
        await self._resume_if_paused(container)
        self._events(container, "kill", signal=str(stop_signal))
        # A stop races the container's own exit: a signal to an init that has exited before
        # its exit was handled is refused (False); the stop then just waits for that exit.
        await self._watcher.signal(container, stop_signal)
        try:
            await asyncio.wait_for(asyncio.shield(exited), timeout if timeout >= 0 else None)
        except asyncio.TimeoutError:
            self._events(container, "kill", signal="9")
            await self._watcher.signal(container, signals.SIGKILL)
            await exited

    async def _cancel_restart(self, container: Container) -> None:
        self._restarts.cancel(container.id)
        container.state.status = "exited"
        container.state.stopped_by_user = True
        self._registry.save(container)

    async def restart(self, ref: str, timeout: int | None, signal: str | None = None) -> None:
        container = self.get(ref)
        async with self._lock(container.id):
            if container.state.running:
                container.state.stopped_by_user = True
                await self._stop_running(container, timeout, signal)
            await self._start_locked(container)
        self._events(container, "restart")

    async def pause(self, ref: str) -> None:
        await self._set_paused(self.get(ref), True)

    async def unpause(self, ref: str) -> None:
        await self._set_paused(self.get(ref), False)

    async def _set_paused(self, container: Container, paused: bool) -> None:
        current, wanted = ("running", "paused") if paused else ("paused", "running")
        if container.state.status != current:
            raise Conflict(f"Container {container.id} is not {'running' if paused else 'paused'}")
        shim = self._watcher.shim_of(container.id)
        await (shim.pause() if paused else shim.resume())
        container.state.status = wanted
        self._registry.save(container)
        self._events(container, "pause" if paused else "unpause")

    async def rename(self, ref: str, new_name: str) -> None:
        container = self.get(ref)
        new_name = names.validate(new_name)
        if new_name == container.name:
            raise InvalidArgument("Renaming a container with the same name as its current name")
        old = container.name
        self._registry.rename(container, new_name)
        self._events(container, "rename", oldName="/" + old)

    async def update(self, ref: str, body: dict) -> list[str]:
        container = self.get(ref)
        resources = apply_update(container, body)
        if container.state.running and resources:
            await self._runner.update(container, resources)
        self._registry.save(container, durable=True)
        self._events(container, "update")
        return []

    # -- wait, remove -------------------------------------------------------------------
    def wait(self, ref: str, condition: str) -> asyncio.Future | asyncio.Task:
        container = self.get(ref)
        if condition == "removed":
            return self._waiters.removal(container.id)
        if condition == "not-running" and not container.state.running:
            future = asyncio.get_running_loop().create_future()
            future.set_result(WaitResult(container.state.exit_code))
            return future
        return self._waiters.next_exit(container.id)

    async def remove(self, ref: str, force: bool, volumes: bool) -> None:
        container = self.get(ref)
        if container.state.running:
            if not force:
                raise Conflict(f"You cannot remove a running container {container.id}. "
                               "Stop the container before attempting removal or force remove")
            container.state.stopped_by_user = True
            exited = self._watcher.exit_future(container.id)
            self._events(container, "kill", signal="9")
            await self._resume_if_paused(container)
            await self._watcher.signal(container, signals.SIGKILL)   # False: it exited meanwhile
            await exited
        await self._removal.remove(container, volumes)

    async def remove_link(self, ref: str, alias: str) -> None:
        """`DELETE /containers/{name}/{alias}?link=1`: the legacy link goes, the containers stay."""
        try:
            container = self.get(ref)
        except DockyardError:
            raise NotFound(f"No such container: {ref}/{alias}") from None
        remove_link(container, alias, ref)
        self._registry.save(container)
        if container.state.running and self._drop_link_hosts is not None:
            await self._drop_link_hosts(container.id, alias)

    async def prune(self, filters: dict[str, list[str]]) -> tuple[list[str], int]:
        until = until_filter(filters)
        deleted, reclaimed = [], 0
        for container in self._registry.all():
            if prunable(container, filters, until):
                reclaimed += await asyncio.to_thread(self._images.layer_size, container.id)
                await self._removal.remove(container, volumes=False)
                deleted.append(container.id)
        self._events.journal.emit("container", "prune", "", {"reclaimed": str(reclaimed)})
        return deleted, reclaimed

    # -- views --------------------------------------------------------------------------
    def list(self, all_: bool, limit: int | None, size: bool, filters: dict[str, list[str]]) -> list[dict]:
        return self.views.list(all_, limit, size, filters)

    def inspect(self, ref: str, size: bool = False) -> dict:
        return self.views.inspect(ref, size)
