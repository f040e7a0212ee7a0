"""The CRI's RuntimeService: each call checked and handed to pods, containers, stats or the
streaming server; the answers built by `views`."""

from __future__ import annotations

import asyncio
import json

import grpc

from dockyard import __version__
from dockyard.cri.generated import api_pb2 as cri
from dockyard.cri.generated import api_pb2_grpc
from dockyard.cri.rpc import rpc
from dockyard.errors import NotImplementedYet

RUNTIME_NAME = "dockyard"
API_VERSION = "v1"


class RuntimeServicer(api_pb2_grpc.RuntimeServiceServicer):
    def __init__(self, pods, containers, stats, streaming, networks):
        self._pods, self._containers, self._stats = pods, containers, stats
        self._streaming, self._networks = streaming, networks

    # -- the runtime -----------------------------------------------------------------------
    @rpc
    async def Version(self, request, context):
        return cri.VersionResponse(version="0.1.0", runtime_name=RUNTIME_NAME, runtime_version=__version__,
                                   runtime_api_version=API_VERSION)

    @rpc
    async def Status(self, request, context):
        problem = await asyncio.to_thread(self._networks.status)
        network = cri.RuntimeCondition(type="NetworkReady", status=not problem)
        if problem:
            network.reason, network.message = "NetworkPluginNotReady", f"cni config load failed: {problem}"
        response = cri.StatusResponse(status=cri.RuntimeStatus(conditions=[
            cri.RuntimeCondition(type="RuntimeReady", status=True), network]))
        response.runtime_handlers.add(name="")
        return response

    @rpc
    async def RuntimeConfig(self, request, context):
        return cri.RuntimeConfigResponse(linux=cri.LinuxRuntimeConfiguration(cgroup_driver=cri.CGROUPFS))

    @rpc
    async def UpdateRuntimeConfig(self, request, context):
        """The node's pod CIDR: the CNI configuration in use says which addresses pods get."""
        return cri.UpdateRuntimeConfigResponse()

    # -- pod sandboxes ---------------------------------------------------------------------
    @rpc
    async def RunPodSandbox(self, request, context):
        pod_id = await self._pods.run(request.config, request.runtime_handler)
        return cri.RunPodSandboxResponse(pod_sandbox_id=pod_id)

    @rpc
    async def StopPodSandbox(self, request, context):
        await self._pods.stop(request.pod_sandbox_id, self._containers.of_pod)
        return cri.StopPodSandboxResponse()

    @rpc
    async def RemovePodSandbox(self, request, context):
        await self._pods.remove(request.pod_sandbox_id, self._containers.of_pod)
        return cri.RemovePodSandboxResponse()

    @rpc
    async def PodSandboxStatus(self, request, context):
        status = self._pods.status(request.pod_sandbox_id)
        response = cri.PodSandboxStatusResponse(status=status)
        if request.verbose:
            response.containers_statuses.extend(self._containers.status(c.id)
                                                for c in self._containers.of_pod(status.id))
        return response

    @rpc
    async def ListPodSandbox(self, request, context):
        wanted = request.filter if request.HasField("filter") else None
        return cri.ListPodSandboxResponse(items=self._pods.list(wanted))

    @rpc
    async def PodSandboxStats(self, request, context):
        record = self._pods.record(request.pod_sandbox_id)
        stats = await asyncio.to_thread(self._stats.pod, record, self._pods.pause_of(record),
                                        self._containers.of_pod(record["id"]))
        return cri.PodSandboxStatsResponse(stats=stats)

    @rpc
    async def ListPodSandboxStats(self, request, context):
        wanted = request.filter if request.HasField("filter") else None
        records = [r for r in self._pods.records()
                   if wanted is None or _sandbox_wanted(r, wanted, self._pods)]

        def collect():
            return [self._stats.pod(r, self._pods.pause_of(r), self._containers.of_pod(r["id"])) for r in records]

        return cri.ListPodSandboxStatsResponse(stats=await asyncio.to_thread(collect))

    # -- containers ------------------------------------------------------------------------
    @rpc
    async def CreateContainer(self, request, context):
        container_id = await self._containers.create(request.pod_sandbox_id, request.config)
        return cri.CreateContainerResponse(container_id=container_id)

    @rpc
    async def StartContainer(self, request, context):
        await self._containers.start(request.container_id)
        return cri.StartContainerResponse()

    @rpc
    async def StopContainer(self, request, context):
        await self._containers.stop(request.container_id, request.timeout)
        return cri.StopContainerResponse()

    @rpc
    async def RemoveContainer(self, request, context):
        await self._containers.remove(request.container_id)
        return cri.RemoveContainerResponse()

    @rpc
    async def ListContainers(self, request, context):
        wanted = request.filter if request.HasField("filter") else None
        return cri.ListContainersResponse(containers=self._containers.list(wanted))

    @rpc
    async def ContainerStatus(self, request, context):
        response = cri.ContainerStatusResponse(status=self._containers.status(request.container_id))
        if request.verbose:
            response.info["info"] = json.dumps(self._containers.verbose_info(request.container_id))
        return response

    @rpc
    async def UpdateContainerResources(self, request, context):
        await self._containers.update_resources(request.container_id, request.linux)
        return cri.UpdateContainerResourcesResponse()

    @rpc
    async def ReopenContainerLog(self, request, context):
        await self._containers.reopen_log(request.container_id)
        return cri.ReopenContainerLogResponse()

    @rpc
    async def ExecSync(self, request, context):
        try:
            return await self._containers.exec_sync(request.container_id, list(request.cmd), request.timeout)
        except asyncio.TimeoutError:
            await context.abort(grpc.StatusCode.DEADLINE_EXCEEDED,
                                f"command {list(request.cmd)} timed out after {request.timeout}s")

    @rpc
    async def ContainerStats(self, request, context):
        container = self._containers.get(request.container_id)
        return cri.ContainerStatsResponse(stats=await asyncio.to_thread(self._stats.container, container))

    @rpc
    async def ListContainerStats(self, request, context):
        wanted = request.filter if request.HasField("filter") else None
        listed = self._containers.list(cri.ContainerFilter(
            id=wanted.id, pod_sandbox_id=wanted.pod_sandbox_id, label_selector=wanted.label_selector)
            if wanted is not None else None)
        containers = [self._containers.get(c.id) for c in listed]

        def collect():
            return [self._stats.container(c) for c in containers]

        return cri.ListContainerStatsResponse(stats=await asyncio.to_thread(collect))

    # -- streaming -------------------------------------------------------------------------
    @rpc
    async def Exec(self, request, context):
        container = self._containers.get(request.container_id)
        return cri.ExecResponse(url=self._streaming.exec_url(container, request))

    @rpc
    async def Attach(self, request, context):
        container = self._containers.get(request.container_id)
        return cri.AttachResponse(url=self._streaming.attach_url(container, request))

    @rpc
    async def PortForward(self, request, context):
        record = self._pods.record(request.pod_sandbox_id)
        return cri.PortForwardResponse(url=self._streaming.port_forward_url(record, list(request.port)))

    # -- not in dockyard -------------------------------------------------------------------
    @rpc
    async def CheckpointContainer(self, request, context):
        raise NotImplementedYet("checkpointing containers is not supported by dockyard")

    @rpc
    async def ListMetricDescriptors(self, request, context):
        raise NotImplementedYet("pod sandbox metrics are not supported by dockyard")

    @rpc
    async def ListPodSandboxMetrics(self, request, context):
        raise NotImplementedYet("pod sandbox metrics are not supported by dockyard")


def _sandbox_wanted(record: dict, wanted, pods) -> bool:
    return bool(pods.list(cri.PodSandboxFilter(id=record["id"], label_selector=wanted.label_selector))) \
        and (not wanted.id or record["id"].startswith(wanted.id))
