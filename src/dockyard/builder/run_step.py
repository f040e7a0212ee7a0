"""RUN: the command in a container of the step's image, through the container service
(create → attach → start → wait), on the build's network (or `--network`'s), with the build's
env and args and the instruction's `--mount`s; then its layer committed as the step's image.

The container is the ordinary kind (shim, runtime, events), so a RUN costs what
`docker run --rm` costs. A failed RUN's container stays to be looked at, as with dockerd
(unless --force-rm); the others are removed.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

from dockyard.builder.commit import commit_step
from dockyard.builder.run_mounts import MountSources
from dockyard.builder.session import NETWORK_HOST, SECURITY_INSECURE
from dockyard.dockerfile.cache_keys import step_key
from dockyard.dockerfile.run_command import RunCommand
from dockyard.dockerfile.run_mounts import RunMount
from dockyard.errors import DockyardError, InternalError, InvalidArgument
from dockyard.oci.digest import short_id

log = logging.getLogger(__name__)

# Query parameters of POST /build that shape a RUN step's container (host config names).
HOST_OPTIONS = {"networkmode": "NetworkMode", "shmsize": "ShmSize", "memory": "Memory",
                "memswap": "MemorySwap", "cpushares": "CpuShares", "cpusetcpus": "CpusetCpus",
                "cpusetmems": "CpusetMems", "cpuperiod": "CpuPeriod", "cpuquota": "CpuQuota",
                "cgroupparent": "CgroupParent", "extrahosts": "ExtraHosts", "ulimits": "Ulimits"}


class StepFailed(InternalError):
    """A RUN command exited non-zero; `code` becomes the CLI's exit status."""

    def __init__(self, message: str, code: int, command: list[str] | None = None):
        super().__init__(message)
        self.code, self.command = code, command or []


@dataclass(frozen=True)
class RunRequest:
    parent_id: str | None
    config: dict[str, Any]
    command: RunCommand
    step_cmd: list[str]           # the container's command as recorded (`|1 A=b /bin/sh -c ...`)
    args: dict[str, str]          # the build args the command sees
    mounts: list[RunMount]        # resolved: ids, targets
    network: str                  # --network: default, none or host
    security: str                 # --security: sandbox or insecure
    author: str


    @property
    def created_by(self) -> str:
        """The history line, which keys the cache with the args in effect."""
        return " ".join(self.step_cmd)


class RunStep:
    """The RUN steps of one build."""

    def __init__(self, builder, options, progress, find: Callable[[str, str | None, str, dict], Awaitable[str | None]],
                 store: Callable[[str, str], None]):
        self.b, self.options, self.progress = builder, options, progress
        self._find = find           # (key, parent, created_by, config) → a cached image (nocache, --cache-from)
        self._store = store         # (key, image): the step's new image

    async def run(self, request: RunRequest, sources: MountSources) -> str:
        """The step's image: from the cache, or made by running the command."""
        host = self._host_config(request)
        extra: dict[str, Any] = {"host": host, "args": request.args}
        if request.mounts:
            extra["mounts"] = await self.b.run_mounts.key_parts(request.mounts, sources)
        if request.command.script is not None:
            extra["script"] = request.command.script.content
        key = step_key(request.parent_id or "", request.created_by, extra)
        cached = await self._find(key, request.parent_id, request.created_by, request.config)
        if cached is not None:
            self.progress.using_cache()
            return cached
        if request.parent_id is None:
            raise InvalidArgument("a RUN step needs a base image with a shell: FROM scratch has none")
        description = " ".join(request.command.argv)
        async with self.b.run_mounts.prepared(request.mounts, sources, self.options.session, request.command.script,
                                              description) as prepared:
            if prepared.host_mounts:
                host = {**host, "Mounts": prepared.host_mounts}
            env = [*(request.config.get("Env") or []), *(f"{k}={v}" for k, v in sorted(request.args.items())),
                   *prepared.env]
            image_id = await self._run_container(request, request.parent_id, env, host, prepared.file_targets)
        self._store(key, image_id)
        return image_id

    def _host_config(self, request: RunRequest) -> dict[str, Any]:
        host = dict(self.options.host_config)
        entitlements = self.options.session.entitlements
        if request.network == "host" and NETWORK_HOST not in entitlements:
            raise InvalidArgument(f"{NETWORK_HOST} is not allowed")
        if request.security == "insecure" and SECURITY_INSECURE not in entitlements:
            raise InvalidArgument(f"{SECURITY_INSECURE} is not allowed")
        if request.network in ("none", "host"):
            host["NetworkMode"] = request.network
        if request.security == "insecure":
            host["Privileged"] = True
        return host

    async def _run_container(self, request: RunRequest, parent_id: str, env: list[str], host: dict[str, Any],
                             file_targets: list[str]) -> str:
        made: list[str] = []
        succeeded = failed = False
        argv = request.command.argv
        try:
            container_id, code = await _run_command(
                self.b.containers, self.b.stdio, parent_id, request.config, argv, env, host,
                lambda cid: self._started(made, cid), self.progress.output)
            if code != 0:
                failed = True
                raise StepFailed(failure_message(argv, code), code, argv)
            layer = await asyncio.to_thread(self.b.layers.commit, container_id, request.parent_id, True,
                                            file_targets)
            image_id = await asyncio.to_thread(commit_step, self.b.images, request.parent_id, request.config,
                                               request.step_cmd, layer.diff_id, request.author, container_id)
            succeeded = True
            return image_id
        finally:
            kept = failed and not self.options.forcerm  # as dockerd: the failed step's container stays
            if made and self._removes_containers:
                if succeeded:
                    self.progress.text(f"Removing intermediate container {short_id(made[0])}\n")
                if not kept:
                    await self._remove_container(made[0])
                self.b.run_notes.delete(made[0])

    @property
    def _removes_containers(self) -> bool:
        return self.options.rm or self.options.forcerm

    async def _remove_container(self, container_id: str) -> None:
        """Remove a RUN step's container; a failure here must not hide the step's own error."""
        try:
            await self.b.containers.remove(container_id, True, True)
        except DockyardError as err:
            log.warning("removing intermediate container %s: %s", short_id(container_id), err)

    def _started(self, made: list[str], container_id: str) -> None:
        made.append(container_id)
        if self._removes_containers:
            self.b.run_notes.put(container_id, {}, durable=False)
        self.progress.text(f" ---> Running in {short_id(container_id)}\n")


async def _run_command(containers, stdio, image_id: str, config: dict[str, Any], command: list[str],
                       env: list[str], host_config: dict[str, Any],
                       started: Callable[[str], None],
                       output: Callable[[int, bytes], Awaitable[None] | None]) -> tuple[str, int]:
    """Run `command` in a new container of `image_id`; returns (container ID, exit code).

    The container is left for the caller to commit and remove (also when this raises after
    it was created: the ID is passed to `started` first)."""
    body = {
        "Image": image_id, "Cmd": command, "Entrypoint": [""], "Env": env,
        "User": config.get("User") or "", "WorkingDir": config.get("WorkingDir") or "",
        "AttachStdout": True, "AttachStderr": True, "Labels": {},
        "HostConfig": {"NetworkMode": "default", **host_config},
    }
    # no init layer: BuildKit's RUN has none (its layers keep the directories made for mounts),
    # and both paths share one step cache, so the classic path's layers are BuildKit's too
    container_id, _ = await containers.create(body, "", None, init_layer=False)
    started(container_id)
    session = stdio.output_of_next_start(container_id)
    exited = containers.wait(container_id, "next-exit")
    await containers.start(container_id)
    pump = asyncio.ensure_future(_pump(session, output))
    result = await exited
    await pump
    return container_id, result.status_code


async def _pump(session, output) -> None:
    async for stream, data in session:
        pending = output(stream, data)
        if pending is not None:
            await pending


def failure_message(command: list[str], code: int) -> str:
    return f"The command '{' '.join(command)}' returned a non-zero code: {code}"
