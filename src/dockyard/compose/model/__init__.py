"""The Compose Specification as data (pure): interpolation, .env, merging, normalisation."""

from dockyard.compose.model.load import load_project
from dockyard.compose.model.types import Project, Service

__all__ = ["Project", "Service", "load_project"]
