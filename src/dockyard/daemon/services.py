"""The services the API edge is handed; built by `compose.build_services`."""

from dataclasses import dataclass
from typing import Any

from dockyard.daemon.config import DaemonConfig
from dockyard.events.journal import EventJournal


@dataclass
class Services:
    config: DaemonConfig
    events: EventJournal
    images: Any = None
    containers: Any = None
    networks: Any = None
    volumes: Any = None
    execs: Any = None
    stdio: Any = None
    runtimes: Any = None
    runner: Any = None
    files: Any = None
    registries: Any = None         # registry.hosts.Registries
    layer_sources: Any = None      # images.layer_sources.LayerSources
    build: Any = None
