"""The CRI endpoint: gRPC on a unix socket, the streaming server, the pod network; built from
the daemon's services. Imported only when the daemon is given `--cri-socket`."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import grpc

from dockyard.cri.containers import CriContainers
from dockyard.cri.generated import api_pb2_grpc
from dockyard.cri.images import CriImages, ImageServicer
from dockyard.cri.pods import Pods
from dockyard.cri.runtime import RuntimeServicer
from dockyard.cri.stats import CriStats
from dockyard.cri.streaming.server import StreamingServer
from dockyard.containers.execs import ExecService
from dockyard.containers.runner import ContainerRunner
from dockyard.containers.service import ContainerService
from dockyard.containers.stdio import ContainerStdio
from dockyard.images.for_containers import ImagesForContainers
from dockyard.images.layer_sources import LayerSources
from dockyard.images.service import ImageService
from dockyard.netlink.netns import Namespaces
from dockyard.network.cni.pods import PodNetworks
from dockyard.registry.hosts import Registries
from dockyard.runtime.host import min_oom_score_adj

log = logging.getLogger(__name__)
MAX_MESSAGE = 16 * 1024 * 1024    # the kubelet's own limit for CRI messages


@dataclass(frozen=True)
class CriSettings:
    """The daemon's CRI options (dockyardd --cri-socket, --cri-stream-address, ...)."""
    socket: str                    # unix:///path
    stream_address: str            # host:port of the streaming server; port 0: any free one
    sandbox_image: str
    cni_conf_dir: Path
    cni_bin_dirs: list[str]
    data_root: Path


class CriEndpoint:
    def __init__(self, settings: CriSettings, *, images: ImageService, registries: Registries,
                 layer_sources: LayerSources, containers: ContainerService, execs: ExecService,
                 stdio: ContainerStdio, runner: ContainerRunner):
        self.socket_path = Path(settings.socket.removeprefix("unix://"))
        min_oom = min_oom_score_adj()
        self.networks = PodNetworks(settings.cni_conf_dir, settings.cni_bin_dirs, settings.data_root / "cri" / "cni")
        self.images = CriImages(images, registries, layer_sources, settings.sandbox_image)
        self.pods = Pods(containers, self.images, self.networks, settings.data_root, settings.sandbox_image, min_oom)
        self.containers = CriContainers(containers, execs, stdio, self.pods, min_oom)
        self.streaming = StreamingServer(settings.stream_address, execs, stdio, Namespaces(), self._netns_of)
        self.stats = CriStats(runner, ImagesForContainers(images), str(settings.data_root / "snapshots"))
        self._data_root = str(settings.data_root)
        self._server: grpc.aio.Server | None = None

    def _netns_of(self, record: dict) -> str | None:
        """The pod's network namespace, None for a pod on the host's network."""
        pause = self.pods.pause_of(record)
        return (pause.network_settings.get("SandboxKey") or None) if pause is not None else None

    async def start(self) -> None:
        self.networks.write_default()
        await self.pods.remove_unrecorded()
        await self.streaming.start()
        server = grpc.aio.server(options=[("grpc.max_receive_message_length", MAX_MESSAGE),
                                          ("grpc.max_send_message_length", MAX_MESSAGE)])
        api_pb2_grpc.add_RuntimeServiceServicer_to_server(
            RuntimeServicer(self.pods, self.containers, self.stats, self.streaming, self.networks), server)
        api_pb2_grpc.add_ImageServiceServicer_to_server(ImageServicer(self.images, self._data_root), server)
        self.socket_path.parent.mkdir(parents=True, exist_ok=True)
        self.socket_path.unlink(missing_ok=True)
        server.add_insecure_port(f"unix://{self.socket_path}")
        await server.start()
        os.chmod(self.socket_path, 0o660)
        self._server = server
        log.info("CRI listening on unix://%s", self.socket_path)

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.stop(grace=2)
        await self.streaming.stop()
        self.socket_path.unlink(missing_ok=True)
