"""Client calls for networks (create, list, inspect, connect, disconnect, remove, prune)."""

from __future__ import annotations

from dockyard.client.api import Client, _filters


def create(client: Client, body: dict) -> dict:
    return client.call("POST", "/networks/create", body=body).json()


def list_networks(client: Client, filters: dict[str, list[str]] | None = None) -> list[dict]:
    return client.call("GET", "/networks", {"filters": _filters(filters)}).json() or []


def inspect(client: Client, network: str) -> dict:
    return client.call("GET", f"/networks/{network}").json()


def connect(client: Client, network: str, container: str, endpoint: dict | None = None) -> None:
    body = {"Container": container, "EndpointConfig": endpoint or {}}
    client.call("POST", f"/networks/{network}/connect", body=body).read()


def disconnect(client: Client, network: str, container: str, force: bool = False) -> None:
    client.call("POST", f"/networks/{network}/disconnect", body={"Container": container, "Force": force}).read()


def remove(client: Client, network: str) -> None:
    client.call("DELETE", f"/networks/{network}").read()


def prune(client: Client, filters: dict[str, list[str]] | None = None) -> dict:
    return client.call("POST", "/networks/prune", {"filters": _filters(filters)}).json()
