"""Client calls for registries: pull, push, login; credentials travel as X-Registry-Auth."""

from __future__ import annotations

import base64
import json
from typing import Iterator

from dockyard.client.api import Client


def auth_header(auth: dict | None) -> dict[str, str]:
    """`X-Registry-Auth`: base64url JSON of the auth config (`{}` when anonymous)."""
    encoded = base64.urlsafe_b64encode(json.dumps(auth or {}).encode()).decode()
    return {"X-Registry-Auth": encoded}


def pull(client: Client, repository: str, tag: str, auth: dict | None = None,
         platform: str | None = None) -> Iterator[dict]:
    query = {"fromImage": repository, "tag": tag, "platform": platform}
    return client.call("POST", "/images/create", query, headers=auth_header(auth)).json_lines()


def push(client: Client, name: str, tag: str | None, auth: dict | None = None) -> Iterator[dict]:
    return client.call("POST", f"/images/{name}/push", {"tag": tag}, headers=auth_header(auth)).json_lines()


def login(client: Client, username: str, password: str, server: str) -> dict:
    body = {"username": username, "password": password, "serveraddress": server}
    return client.call("POST", "/auth", body=body).json()
