"""Client calls for exec instances (create, start hijacked or detached, resize, inspect)."""

from __future__ import annotations

from typing import Any

from dockyard.client.api import Client
from dockyard.client.transport import HttpResponse


def create(client: Client, container: str, body: dict) -> str:
    return client.call("POST", f"/containers/{container}/exec", body=body).json()["Id"]


def start(client: Client, exec_id: str, tty: bool, console_size: list[int] | None = None) -> HttpResponse:
    """The hijacked session of a foreground exec: `.hijacked_socket()` gives the raw stream."""
    body: dict[str, Any] = {"Detach": False, "Tty": tty}
    if console_size:
        body["ConsoleSize"] = console_size
    return client.call("POST", f"/exec/{exec_id}/start", body=body, upgrade=True)


def start_detached(client: Client, exec_id: str, tty: bool) -> None:
    client.call("POST", f"/exec/{exec_id}/start", body={"Detach": True, "Tty": tty}).read()


def resize(client: Client, exec_id: str, height: int, width: int) -> None:
    client.call("POST", f"/exec/{exec_id}/resize", {"h": height, "w": width}).read()


def inspect(client: Client, exec_id: str) -> dict:
    return client.call("GET", f"/exec/{exec_id}/json").json()
