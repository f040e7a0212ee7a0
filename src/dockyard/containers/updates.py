"""`docker update` on a container's record (pure): the resources and restart policy checked as
dockerd checks them, then set in its host config; the caller applies the resources to a
running container and saves the record."""

from __future__ import annotations

from dockyard.containers import defaults
from dockyard.containers.host_checks import check_resources
from dockyard.containers.model import Container
from dockyard.errors import Conflict


def apply_update(container: Container, body: dict) -> dict:
    """Changes the container's host config as `body` (an update body) asks; returns the
    resources it set (empty values are no change)."""
    check_resources(body)
    policy = body.get("RestartPolicy")
    if policy and policy.get("Name"):
        defaults.split_create_body({"HostConfig": {"RestartPolicy": policy}})
        container.host_config["RestartPolicy"] = {"Name": policy["Name"],
                                                   "MaximumRetryCount": int(policy.get("MaximumRetryCount") or 0)}
    resources = {k: v for k, v in body.items() if k != "RestartPolicy" and v not in (None, 0, "", [])}
    memory, swap = resources.get("Memory"), container.host_config.get("MemorySwap") or 0
    if memory and not resources.get("MemorySwap") and isinstance(memory, int) and memory > swap:
        raise Conflict(f"Cannot update container {container.id}: Memory limit should be smaller than "
                       "already set memoryswap limit, update the memoryswap at the same time")
    container.host_config.update(resources)
    return resources
