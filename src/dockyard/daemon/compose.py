"""The composition root: builds every service from the configuration, in dependency order."""

from dockyard.daemon.config import DaemonConfig
from dockyard.daemon.services import Services
from dockyard.events.journal import EventJournal
from dockyard.images.events import ThreadSafeEvents
from dockyard.images.service import ImageService


def build_services(config: DaemonConfig) -> Services:
    config.data_root.mkdir(parents=True, exist_ok=True)
    config.exec_root.mkdir(parents=True, exist_ok=True)
    events = EventJournal(config.data_root / "events.jsonl")
    images = ImageService(str(config.data_root), ThreadSafeEvents(events))
    return Services(config=config, events=events, images=images)


async def start_services(services: Services) -> None:
    """Work that needs the event loop: re-adopt containers, reconcile networks."""


async def stop_services(services: Services) -> None:
    services.events.close()
