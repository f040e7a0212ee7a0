"""Client calls for volumes (create, list, inspect, remove, prune)."""

from __future__ import annotations

from typing import Any

from dockyard.client.api import Client, _filters


def create(client: Client, name: str | None = None, driver: str = "local",
           driver_opts: dict[str, str] | None = None, labels: dict[str, str] | None = None) -> dict:
    body: dict[str, Any] = {"Driver": driver, "Name": name or ""}
    if driver_opts:
        body["DriverOpts"] = driver_opts
    if labels:
        body["Labels"] = labels
    return client.call("POST", "/volumes/create", body=body).json()


def list_volumes(client: Client, filters: dict[str, list[str]] | None = None) -> list[dict]:
    return client.call("GET", "/volumes", {"filters": _filters(filters)}).json().get("Volumes") or []


def inspect(client: Client, name: str) -> dict:
    return client.call("GET", f"/volumes/{name}").json()


def remove(client: Client, name: str, force: bool = False) -> None:
    client.call("DELETE", f"/volumes/{name}", {"force": "1" if force else None}).read()


def prune(client: Client, filters: dict[str, list[str]] | None = None) -> dict:
    return client.call("POST", "/volumes/prune", {"filters": _filters(filters)}).json()
