"""The containers as networking sees them (`network.container_lookup.ContainerLookup`): what
`network connect`/`disconnect` learn about a container by name or ID."""

from dockyard.containers.registry import ContainerRegistry
from dockyard.network.container_lookup import ContainerRef


class ContainersForNetworks:
    def __init__(self, registry: ContainerRegistry):
        self._registry = registry

    def network_ref(self, ref: str) -> ContainerRef:
        container = self._registry.get(ref)
        sandbox = container.network_settings.get("SandboxKey")
        running = container.state.running and sandbox
        return ContainerRef(container.id, container.name, container.config.get("Hostname") or container.id[:12],
                            sandbox if running else None, container.set_endpoint_config)
