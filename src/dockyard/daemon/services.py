"""The services the API edge is handed, typed: built by the composition root (`wiring`). Tests
that serve a few routes pass None for the services they do not need."""

from dataclasses import dataclass

from dockyard.builder.service import BuildService
from dockyard.containers.execs import ExecService
from dockyard.containers.files import ContainerFiles
from dockyard.containers.runner import ContainerRunner
from dockyard.containers.runtimes import Runtimes
from dockyard.containers.service import ContainerService
from dockyard.containers.stdio import ContainerStdio
from dockyard.daemon.config import DaemonConfig
from dockyard.events.journal import EventJournal
from dockyard.images.layer_sources import LayerSources
from dockyard.images.service import ImageService
from dockyard.network.service import NetworkService
from dockyard.registry.hosts import Registries
from dockyard.volumes.service import VolumeService


@dataclass
class Services:
    config: DaemonConfig
    events: EventJournal
    images: ImageService
    containers: ContainerService
    networks: NetworkService
    volumes: VolumeService
    execs: ExecService
    stdio: ContainerStdio
    runtimes: Runtimes
    runner: ContainerRunner
    files: ContainerFiles
    registries: Registries
    layer_sources: LayerSources
    build: BuildService
