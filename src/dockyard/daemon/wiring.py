"""The composition root: builds every service from the configuration, in dependency order."""

import asyncio
import logging

from dockyard.builder.service import BuildService
from dockyard.containers.events import ContainerEvents
from dockyard.containers.execs import ExecService
from dockyard.containers.files import ContainerFiles
from dockyard.containers.for_networks import ContainersForNetworks
from dockyard.containers.health import HealthMonitor
from dockyard.containers.monitor import ShimWatcher
from dockyard.containers.registry import ContainerRegistry
from dockyard.containers.runner import ContainerRunner
from dockyard.containers.runtimes import Runtimes
from dockyard.containers.service import ContainerService
from dockyard.containers.stdio import ContainerStdio, LateSessions
from dockyard.containers.waiters import Waiters
from dockyard.daemon.config import DaemonConfig
from dockyard.daemon.services import Services
from dockyard.events.journal import EventJournal
from dockyard.images import garbage
from dockyard.images.for_containers import ImagesForContainers
from dockyard.images.layer_sources import LayerSources
from dockyard.images.puller import ImagePuller
from dockyard.images.service import ImageService
from dockyard.network.attach import ContainerNetworking
from dockyard.network.service import NetworkService
from dockyard.registry.hosts import Registries
from dockyard.runtime.host import host_capabilities
from dockyard.shim.launcher import ShimLauncher
from dockyard.snapshots.mounter import Mounter
from dockyard.syscalls.linux import LinuxSyscalls
from dockyard.volumes.service import VolumeService

log = logging.getLogger(__name__)


def build_services(config: DaemonConfig) -> Services:
    """Each service gets what it needs at construction, as the small interfaces it declares
    (`ImageUsers`, `MountsLookup`, `ContainerLookup`, `Syscalls`): nothing is patched afterwards."""
    syscalls = LinuxSyscalls()
    mounter = Mounter(syscalls)
    events = EventJournal(config.data_root / "events.jsonl")
    registry = ContainerRegistry(config.data_root)
    images = ImageService(str(config.data_root), events, mounter=mounter, users=registry)
    volumes = VolumeService(config.data_root, events, syscalls, mounts_of=registry.mounts_of)
    networks = NetworkService(config.data_root, config.exec_root, events, config,
                              containers=ContainersForNetworks(registry), syscalls=syscalls)
    runtimes = Runtimes(config.exec_root, config.default_runtime, config.runtimes)
    watcher = ShimWatcher()
    layers = ImagesForContainers(images)
    runner = ContainerRunner(
        config.exec_root, layers, mounter, ShimLauncher(), runtimes,
        networks=ContainerNetworking(networks, registry.get), volumes=volumes,
        host_capabilities=host_capabilities(), cgroup_parent=config.cgroup_parent,
        find_container=registry.get,
    )
    late = LateSessions()
    waiters = Waiters()
    emit = ContainerEvents(events)
    execs = ExecService(registry, watcher, runner, emit)
    containers = ContainerService(registry, runner, watcher, late, execs, layers, emit, waiters, volumes,
                                  HealthMonitor(execs, registry, emit), networks.settings,
                                  log_default=config.log_default, drop_link_hosts=networks.drop_link_hosts)
    files = ContainerFiles(registry, runner, watcher, images, layers, mounter, emit, volumes.containers)
    volumes.adopt_containers(registry.all())
    stdio = ContainerStdio(watcher, late, emit)
    registries = Registries(config.insecure_registries, config.registry_mirrors)
    layer_sources = LayerSources(str(config.data_root / "images"))
    puller = ImagePuller(images, layer_sources, registries)
    return Services(config=config, events=events, images=images, containers=containers, networks=networks,
                    volumes=volumes, execs=execs, stdio=stdio,
                    runtimes=runtimes, runner=runner, files=files,
                    build=BuildService(images, containers, stdio, mounter, str(config.data_root), puller),
                    registries=registries, layer_sources=layer_sources)


async def start_services(services: Services) -> None:
    """Work that needs the event loop: re-adopt containers, reconcile networks."""
    services.events.bind(asyncio.get_running_loop())
    await services.runner.start()
    await services.networks.start()
    await services.containers.adopt_all()
    await services.build.start()
    await asyncio.to_thread(garbage.collect, services.images)   # once containers' layers are settled
    await services.networks.reconcile(services.containers.running_ids())
    await services.containers.start_restartable()


async def stop_services(services: Services) -> None:
    await services.containers.close()
    await services.runner.close()
    await services.networks.close()
    services.events.close()
