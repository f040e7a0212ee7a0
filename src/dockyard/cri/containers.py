"""The pods' containers, as the container service's containers: create, start, stop, remove,
list, status, resources, logs and ExecSync. Only containers the CRI made (labelled so) are the
CRI's; a Docker user's containers and the sandbox containers are not listed."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from dockyard.cri import labels, security, specs, views
from dockyard.cri.generated import api_pb2 as cri
from dockyard.errors import Conflict, InvalidArgument, NotFound, NotModified


class CriContainers:
    def __init__(self, containers, execs, stdio, pods, min_oom_score_adj: int):
        self._containers, self._execs, self._stdio, self._pods = containers, execs, stdio, pods
        self._min_oom = min_oom_score_adj

    def get(self, container_id: str):
        """A container of the CRI (not a sandbox, not a Docker user's)."""
        if not container_id:
            raise InvalidArgument("container ID must not be empty")
        container = self._containers.get(container_id)
        if labels.kind_of(container.config.get("Labels")) != labels.CONTAINER_KIND:
            raise NotFound(f"container {container_id!r} not found")
        return container

    def of_pod(self, pod_id: str) -> list:
        return [c for c in self.all() if (c.config.get("Labels") or {}).get(labels.SANDBOX_ID) == pod_id]

    def all(self) -> list:
        return [c for c in self._containers.all() if labels.kind_of(c.config.get("Labels")) == labels.CONTAINER_KIND]

    # -- life cycle ------------------------------------------------------------------------
    async def create(self, pod_id: str, config: cri.ContainerConfig) -> str:
        """In the pod as it was run (the kubelet sends its config again; the stored one counts)."""
        record = self._pods.record(pod_id)
        pod_id = record["id"]
        stored = views.sandbox_config(record)
        log_path = ""
        if stored.log_directory and config.log_path:
            log_path = os.path.join(stored.log_directory, config.log_path)
        body = specs.container_body(config, pod_id, stored, log_path, self._min_oom)
        await asyncio.to_thread(_make_mount_sources, body)
        if not log_path:
            body["HostConfig"]["LogConfig"] = {"Type": "none"}
        pod_meta = {"name": stored.metadata.name, "namespace": stored.metadata.namespace, "uid": stored.metadata.uid}
        name = labels.container_name(config.metadata.name, pod_meta, config.metadata.attempt)
        container_id, _ = await self._containers.create(body, name, None, cri_log_path=log_path or None)
        return container_id

    async def start(self, container_id: str) -> None:
        container = self.get(container_id)
        if container.state.status != "created":
            raise Conflict(f"container {container.id} is in {container.state.status} state, not created")
        await self._containers.start(container.id)

    async def stop(self, container_id: str, timeout: int) -> None:
        try:
            container = self.get(container_id)
        except NotFound:
            return                            # idempotent, as the kubelet expects
        try:
            await self._containers.stop(container.id, max(0, timeout))
        except NotModified:
            pass

    async def remove(self, container_id: str) -> None:
        try:
            container = self.get(container_id)
        except NotFound:
            return
        await self._containers.remove(container.id, force=True, volumes=True)

    async def update_resources(self, container_id: str, linux: cri.LinuxContainerResources) -> None:
        container = self.get(container_id)
        await self._containers.update(container.id, security.resources(linux, self._min_oom))

    async def reopen_log(self, container_id: str) -> None:
        container = self.get(container_id)
        if container.state.status != "running":
            raise Conflict(f"container {container.id} is not running")
        await self._stdio.reopen_log(container)

    async def exec_sync(self, container_id: str, argv: list[str], timeout: int) -> cri.ExecSyncResponse:
        container = self.get(container_id)
        if not argv:
            raise InvalidArgument("exec needs a command")
        code, stdout, stderr = await self._execs.run_captured(container, argv, timeout or None)
        return cri.ExecSyncResponse(stdout=stdout, stderr=stderr, exit_code=code)

    # -- views -----------------------------------------------------------------------------
    def status(self, container_id: str) -> cri.ContainerStatus:
        return views.container_status(self.get(container_id))

    def verbose_info(self, container_id: str) -> dict:
        """ContainerStatus' `info` (verbose: `crictl inspect`), with containerd's keys for what
        dockyard has: the pod, the process, the writable layer."""
        container = self.get(container_id)
        return {"sandboxID": (container.config.get("Labels") or {}).get(labels.SANDBOX_ID, ""),
                "pid": container.state.pid if container.state.running else 0, "removing": False,
                "snapshotKey": container.id}

    def list(self, wanted: cri.ContainerFilter | None) -> list[cri.Container]:
        found = []
        for container in self.all():
            view = views.container(container)
            if wanted is not None:
                if wanted.id and not container.id.startswith(wanted.id):
                    continue
                if wanted.pod_sandbox_id and not view.pod_sandbox_id.startswith(wanted.pod_sandbox_id):
                    continue
                if wanted.HasField("state") and view.state != wanted.state.state:
                    continue
                if not labels.matches(container.config.get("Labels") or {}, dict(wanted.label_selector)):
                    continue
            found.append(view)
        return found


def _make_mount_sources(body: dict) -> None:
    """Missing host paths of a container's mounts become directories, as containerd makes them."""
    for mount in body["HostConfig"].get("Mounts") or []:
        if not os.path.lexists(mount["Source"]):          # files (the kubelet's etc-hosts) stay files
            Path(mount["Source"]).mkdir(parents=True, exist_ok=True)
