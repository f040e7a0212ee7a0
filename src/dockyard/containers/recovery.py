"""At daemon start: records, runtime state and live shims made to agree again.

A daemon may be killed (kill -9, OOM) at any step of a container's life: after writing the
record and before launching the shim, between the shim's create and start, between start and
saving "running", halfway through a removal. What it made survives it: records are on disk,
every shim host outlives it (see shim/host.py), the kernel keeps mounts, cgroups and network
namespaces. So the next daemon, before serving, looks at every container:

  shim alive, started (running or exited)  adopt it: its exit is handled as any other
  shim alive, never started                roll the start back: runtime delete through the shim
  record running, no shim                  the exit the shim recorded (or 255), teardown
  record not running, leftovers, no shim   clean: runtime state, cgroup, mounts
  record "removing"                        finish the removal

and then at what has no record: state directories, runtime state, container layers and file
directories of containers whose record never was written or was already removed are killed and
removed (a shim host lets go of a container whose state directory is gone once the runtime
delete kills its init). Networks (`NetworkService.reconcile`)
and volumes (`VolumeService.adopt_containers`) settle their own state against the containers
that run once this is done.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import time
from pathlib import Path

from dockyard.containers.model import Container, State
from dockyard.oci.reference import is_full_id
from dockyard.shim.client import ShimClient

log = logging.getLogger(__name__)

ADOPT, ROLL_BACK, EXITED, CLEAN, REMOVE, KEEP = "adopt", "roll back", "exited", "clean", "remove", "keep"


def action_for(record_status: str, shim_status: str | None, leftovers: bool) -> str:
    """What to do with one recorded container at start (pure)."""
    if record_status == "removing":
        return REMOVE
    if shim_status in ("running", "exited"):
        return ADOPT
    if shim_status == "created":
        return ROLL_BACK
    if record_status in ("running", "paused", "restarting"):
        return EXITED
    return CLEAN if leftovers else KEEP


async def recover(registry, runner, service, images) -> None:
    """Everything above, in order: recorded containers, then what has no record. (A container
    whose state dir a removal cut short took away is let go by its shim host once the runtime
    delete below kills its init: shim/container_loop.py.)"""
    containers = registry.all()
    shims = await asyncio.gather(*(ShimClient.connect(runner.state_dir(c.id)) for c in containers))
    for container, shim in zip(containers, shims):
        try:
            await _recover_one(container, shim, registry, runner, service)
        except Exception as err:  # one broken container must not keep the daemon down
            log.warning("recovering container %s: %s", container.id[:12], err)
    known = {c.id for c in containers}
    for container_id in runner.unrecorded(known):
        await runner.clean_unrecorded(container_id)
    for container_id in images.container_layer_ids():
        if container_id not in known:
            await asyncio.to_thread(images.remove_container_layer, container_id)
    await asyncio.to_thread(_remove_unrecorded_files, registry.root, known)


async def _recover_one(container: Container, shim: ShimClient | None, registry, runner, service) -> None:
    action = action_for(container.state.status, shim.status if shim else None, runner.has_leftovers(container))
    if action != ADOPT and shim is not None:   # a start never finished, or a removal
        log.info("container %s (%s): shutting its shim down", container.id[:12], action)
        await shim.shutdown()
        action = action_for(container.state.status, None, True)
    if action == ADOPT and shim is not None:
        if not container.state.running:    # started, but the daemon was killed before saving it
            container.state = State(status="running", pid=shim.pid, started_at=time.time_ns())
            files = registry.directory(container.id)
            container.hostname_path, container.hosts_path, container.resolv_conf_path = (
                str(files / name) for name in ("hostname", "hosts", "resolv.conf"))
            registry.save(container)
        await service.adopt(container, shim)
    elif action == EXITED:
        await service.handle_exit(container, None, ShimClient.exit_status(runner.state_dir(container.id)))
    elif action == CLEAN:
        await runner.kill_leftovers(container)
        await runner.teardown(container)
    elif action == REMOVE:
        await runner.kill_leftovers(container)
        await service.finish_removal(container)


def _remove_unrecorded_files(files_root: Path, known: set[str]) -> None:
    """Log and host files of containers whose record is gone (a removal cut short)."""
    for entry in os.scandir(files_root) if files_root.is_dir() else ():
        if is_full_id(entry.name) and entry.name not in known:
            shutil.rmtree(entry.path, ignore_errors=True)
