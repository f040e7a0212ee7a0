"""dockyard: a container engine that serves the Docker Engine API."""

__version__ = "0.1.0"
