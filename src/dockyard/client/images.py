"""Client calls for images (Engine API image endpoints); errors raised as dockyard.errors."""

from __future__ import annotations

import json
from typing import Iterable, Iterator, Sequence

from dockyard.client.api import Client


def _filters(filters: dict[str, list[str]] | None) -> str | None:
    if not filters:
        return None
    return json.dumps({k: dict.fromkeys(values, True) for k, values in filters.items()})


def list_images(client: Client, all_: bool = False, filters: dict[str, list[str]] | None = None,
                digests: bool = False) -> list[dict]:
    query = {"all": "1" if all_ else None, "filters": _filters(filters), "digests": "1" if digests else None}
    return client.call("GET", "/images/json", query).json()


def inspect_image(client: Client, name: str) -> dict:
    return client.call("GET", f"/images/{name}/json").json()


def history(client: Client, name: str) -> list[dict]:
    return client.call("GET", f"/images/{name}/history").json()


def tag(client: Client, source: str, repo: str, tag_: str | None) -> None:
    client.call("POST", f"/images/{source}/tag", {"repo": repo, "tag": tag_}).read()


def remove(client: Client, name: str, force: bool = False, noprune: bool = False) -> list[dict]:
    query = {"force": "1" if force else None, "noprune": "1" if noprune else None}
    return client.call("DELETE", f"/images/{name}", query).json()


def prune(client: Client, filters: dict[str, list[str]] | None = None) -> dict:
    return client.call("POST", "/images/prune", {"filters": _filters(filters)}).json()


def load(client: Client, chunks: Iterable[bytes], quiet: bool = True) -> Iterator[dict]:
    response = client.call("POST", "/images/load", {"quiet": "1" if quiet else "0"}, body=chunks,
                           headers={"Content-Type": "application/x-tar"})
    return response.json_lines()


def save(client: Client, names: list[str]) -> Iterator[bytes]:
    return client.call("GET", "/images/get", {"names": names}).chunks()


def import_image(client: Client, chunks: Iterable[bytes], repo: str | None = None,
                 tag_: str | None = None, changes: Sequence[str] = (), message: str | None = None,
                 platform: str | None = None) -> Iterator[dict]:
    query = {"fromSrc": "-", "repo": repo, "tag": tag_, "changes": list(changes) or None,
             "message": message, "platform": platform}
    response = client.call("POST", "/images/create", query, body=chunks,
                           headers={"Content-Type": "application/x-tar"})
    return response.json_lines()
