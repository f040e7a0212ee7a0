"""dockyard.client: a Python client for the Docker Engine API (dockyardd or dockerd)."""

from dockyard.client.api import Client

__all__ = ["Client"]
