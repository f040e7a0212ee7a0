"""Pod sandboxes: a sandbox container per pod, its CNI network, and a record of its config.

The record (`<data-root>/cri/sandboxes/<id>.json`) keeps what the kubelet asked for and the
pod's addresses; the sandbox container (same ID) keeps the namespaces. A sandbox is ready while
that container runs and until StopPodSandbox. Stop and remove are idempotent, as the kubelet
retries them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

from google.protobuf import json_format

from dockyard.cri import labels, specs, views
from dockyard.cri.generated import api_pb2 as cri
from dockyard.errors import DockyardError, NotFound, NotImplementedYet
from dockyard.metadata.records import RecordStore
from dockyard.network.cni.config import pod_addresses

log = logging.getLogger(__name__)
_PROTOCOLS = {cri.TCP: "tcp", cri.UDP: "udp", cri.SCTP: "sctp"}


class Pods:
    def __init__(self, containers, images, networks, data_root: Path, sandbox_image: str, min_oom_score_adj: int):
        self._containers, self._images, self._networks = containers, images, networks
        self._records = RecordStore(str(Path(data_root) / "cri" / "sandboxes"))
        self._sandbox_image, self._min_oom = sandbox_image, min_oom_score_adj
        self._locks: dict[str, asyncio.Lock] = {}

    def _lock(self, pod_id: str) -> asyncio.Lock:
        return self._locks.setdefault(pod_id, asyncio.Lock())

    def record(self, pod_id: str) -> dict:
        record = self._records.get(pod_id) if _valid_id(pod_id) else None
        if record is None:
            found = [key for key in self._records.keys() if key.startswith(pod_id)] if pod_id else []
            if len(found) == 1:
                record = self._records.get(found[0])
        if record is None:
            raise NotFound(f"pod sandbox {pod_id!r} not found")
        return record

    def records(self) -> list[dict]:
        return [record for _, record in self._records.items()]

    def pause_of(self, record: dict):
        try:
            return self._containers.get(record["id"])
        except NotFound:
            return None

    # -- life cycle ------------------------------------------------------------------------
    async def remove_unrecorded(self) -> None:
        """At start: a sandbox container whose pod has no record is what a RunPodSandbox cut
        short by a crash made (the kubelet never got its ID and runs the pod again); the kubelet
        cannot see or remove it, so it goes."""
        for container in self._containers.all():
            if labels.kind_of(container.config.get("Labels")) == labels.SANDBOX_KIND \
                    and self._records.get(container.id) is None:
                log.info("removing sandbox container %s: its RunPodSandbox never finished", container.id[:12])
                await _quietly(self._containers.remove(container.id, True, True), f"remove {container.id[:12]}")

    async def run(self, config: cri.PodSandboxConfig, runtime_handler: str) -> str:
        if runtime_handler:
            raise NotImplementedYet(f"runtime handler {runtime_handler!r} is not supported by dockyard")
        await self._images.ensure(self._sandbox_image)
        body = specs.sandbox_body(config, self._sandbox_image, self._min_oom)
        pod_id, _ = await self._containers.create(body, labels.sandbox_name(json_format.MessageToDict(
            config.metadata, preserving_proto_field_name=True)), None, init_layer=False)
        record = {"id": pod_id, "config": json_format.MessageToDict(config, preserving_proto_field_name=True),
                  "created": time.time_ns(), "ready": False, "ips": []}
        async with self._lock(pod_id):
            self._records.put(pod_id, record)
            try:
                await self._containers.start(pod_id)
                if not specs.host_network(config):
                    record["ips"] = await self._attach_network(pod_id, config)
                record["ready"] = True
                self._records.put(pod_id, record)
            except BaseException:
                await self._remove_locked(record)
                raise
        return pod_id

    async def _attach_network(self, pod_id: str, config: cri.PodSandboxConfig) -> list[str]:
        netns = self._containers.get(pod_id).network_settings.get("SandboxKey") or ""
        meta = config.metadata
        args = {"K8S_POD_NAMESPACE": meta.namespace, "K8S_POD_NAME": meta.name,
                "K8S_POD_INFRA_CONTAINER_ID": pod_id, "K8S_POD_UID": meta.uid}
        mappings = [{"hostPort": p.host_port, "containerPort": p.container_port,
                     "protocol": _PROTOCOLS.get(p.protocol, "tcp"), "hostIP": p.host_ip}
                    for p in config.port_mappings if p.host_port > 0]
        result = await self._networks.attach(pod_id, netns, args, {"portMappings": mappings} if mappings else {})
        return pod_addresses(result)

    def _find(self, pod_id: str) -> dict | None:
        try:
            return self.record(pod_id)
        except NotFound:
            return None

    async def stop(self, pod_id: str, containers_of) -> None:
        """Stop the pod's containers, release its network, stop the sandbox container."""
        record = self._find(pod_id)
        if record is not None:
            async with self._lock(record["id"]):
                await self._stop_locked(record, containers_of)

    async def _stop_locked(self, record: dict, containers_of) -> None:
        for container in containers_of(record["id"]):
            await _quietly(self._containers.stop(container.id, 0), f"stop {container.id[:12]}")
        await self._networks.detach(record["id"])
        record["ready"], record["ips"] = False, []
        self._records.put(record["id"], record)
        pause = self.pause_of(record)
        if pause is not None and pause.state.running:
            await _quietly(self._containers.stop(pause.id, 0), f"stop sandbox {pause.id[:12]}")

    async def remove(self, pod_id: str, containers_of) -> None:
        record = self._find(pod_id)
        if record is None:
            return
        async with self._lock(record["id"]):
            await self._stop_locked(record, containers_of)
            for container in containers_of(record["id"]):
                await self._containers.remove(container.id, force=True, volumes=True)
            await self._remove_locked(record)
        self._locks.pop(record["id"], None)

    async def _remove_locked(self, record: dict) -> None:
        await self._networks.detach(record["id"])
        if self.pause_of(record) is not None:
            await self._containers.remove(record["id"], force=True, volumes=True)
        self._records.delete(record["id"])

    # -- views -----------------------------------------------------------------------------
    def status(self, pod_id: str) -> cri.PodSandboxStatus:
        record = self.record(pod_id)
        return views.sandbox_status(record, self.pause_of(record))

    def list(self, wanted: cri.PodSandboxFilter | None) -> list[cri.PodSandbox]:
        found = []
        for record in self.records():
            if wanted is not None and wanted.id and not record["id"].startswith(wanted.id):
                continue
            view = views.sandbox(record, self.pause_of(record))
            if wanted is not None and wanted.HasField("state") and view.state != wanted.state.state:
                continue
            if wanted is not None and any(view.labels.get(k) != v for k, v in wanted.label_selector.items()):
                continue
            found.append(view)
        return found


def _valid_id(pod_id: str) -> bool:
    return len(pod_id) == 64 and all(c in "0123456789abcdef" for c in pod_id)


async def _quietly(coroutine, what: str) -> None:
    try:
        await coroutine
    except DockyardError as err:
        log.debug("%s: %s", what, err.message)
