"""Container and pod statistics for the kubelet: cgroup readings, the writable layer's usage and
the pod's network counters."""

from __future__ import annotations

import time

from dockyard.cgroups import open_cgroup
from dockyard.containers.stats import network_counters
from dockyard.cri import labels, views
from dockyard.cri.generated import api_pb2 as cri
from dockyard.errors import DockyardError


class CriStats:
    def __init__(self, runner, images, layers_dir: str):
        self._runner, self._images = runner, images
        self._layers_dir = layers_dir      # the file system of writable layers (as ImageFsInfo names it)

    def container(self, container) -> cri.ContainerStats:
        """Blocking (cgroup files, a walk of the writable layer): call from a thread."""
        docker_labels = container.config.get("Labels") or {}
        stats = cri.ContainerStats(attributes=cri.ContainerAttributes(
            id=container.id, metadata=views.container_metadata(container),
            labels=labels.user_labels(docker_labels), annotations=labels.annotations(docker_labels)))
        now = time.time_ns()
        if container.state.running:
            _fill_usage(stats.cpu, stats.memory, self._runner.cgroup_path(container), now)
        stats.writable_layer.timestamp = now
        stats.writable_layer.fs_id.mountpoint = self._layers_dir
        try:
            stats.writable_layer.used_bytes.value = self._images.container_sizes(container.id)[0]
        except DockyardError:             # removed meanwhile: its layer is gone
            pass
        return stats

    def pod(self, record: dict, pause, containers: list) -> cri.PodSandboxStats:
        config = views.sandbox_config(record)
        stats = cri.PodSandboxStats()
        stats.attributes.id = record["id"]
        stats.attributes.metadata.CopyFrom(config.metadata)
        stats.attributes.labels.update(config.labels)
        stats.attributes.annotations.update(config.annotations)
        linux = stats.linux
        now = time.time_ns()
        members = [c for c in [pause, *containers] if c is not None and c.state.running]
        cpu_ns = memory = working = processes = 0
        for member in members:
            reading = open_cgroup(self._runner.cgroup_path(member)).stats()
            cpu_ns += reading.cpu_total_ns
            memory += reading.memory_usage
            working += max(0, reading.memory_usage - reading.memory_inactive_file)
            processes += reading.pids_current
        linux.cpu.timestamp = linux.memory.timestamp = linux.process.timestamp = now
        linux.cpu.usage_core_nano_seconds.value = cpu_ns
        linux.memory.usage_bytes.value = memory
        linux.memory.working_set_bytes.value = working
        linux.process.process_count.value = processes
        if pause is not None and pause.state.running:
            _fill_network(linux.network, network_counters(pause.state.pid), now)
        linux.containers.extend(self.container(c) for c in containers)
        return stats


def _fill_usage(cpu: cri.CpuUsage, memory: cri.MemoryUsage, cgroup_path: str, now: int) -> None:
    reading = open_cgroup(cgroup_path).stats()
    cpu.timestamp = memory.timestamp = now
    cpu.usage_core_nano_seconds.value = reading.cpu_total_ns
    memory.usage_bytes.value = reading.memory_usage
    memory.working_set_bytes.value = max(0, reading.memory_usage - reading.memory_inactive_file)


def _fill_network(network: cri.NetworkUsage, counters: dict, now: int) -> None:
    network.timestamp = now
    for name, values in sorted(counters.items()):
        usage = network.interfaces.add(name=name)
        usage.rx_bytes.value, usage.rx_errors.value = values["rx_bytes"], values["rx_errors"]
        usage.tx_bytes.value, usage.tx_errors.value = values["tx_bytes"], values["tx_errors"]
        if name == "eth0":
            network.default_interface.CopyFrom(usage)
