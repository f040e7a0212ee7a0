"""What networking asks of the containers (`NetworkService` is handed one at construction;
`containers.for_networks` answers it): a container by name or ID, for `network connect` and
`network disconnect`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol


@dataclass
class ContainerRef:
    """What the API's connect/disconnect learn about a container from the lifecycle."""

    id: str
    name: str
    hostname: str
    netns_path: str | None  # None: not running
    # records a network change on a stopped container (endpoint config, or None to remove)
    record_network: Callable[[str, dict | None], None] | None = None


class ContainerLookup(Protocol):
    """What networking asks of the containers: one by name or ID (NotFound if none)."""

    def network_ref(self, ref: str) -> ContainerRef: ...
