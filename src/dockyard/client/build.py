"""Client calls for builds: `POST /build` (classic builder) and `POST /build/prune`."""

from __future__ import annotations

import json
from typing import Iterable, Iterator, Sequence

from dockyard.client.api import Client


def build(client: Client, context_chunks: Iterable[bytes], *, tags: Sequence[str] = (), dockerfile: str = "Dockerfile",
          quiet: bool = False, nocache: bool = False, target: str = "", build_args: dict[str, str | None] | None = None,
          labels: dict[str, str] | None = None, rm: bool = True, forcerm: bool = False,
          network: str = "", pull: bool = False, memory: int = 0) -> Iterator[dict]:
    """The build's JSON-lines messages (`stream`, `aux`, `errorDetail`), as the daemon sends them."""
    query = {"t": list(tags) or None, "dockerfile": dockerfile, "q": "1" if quiet else None,
             "nocache": "1" if nocache else None, "target": target or None,
             "buildargs": json.dumps(build_args) if build_args else None,
             "labels": json.dumps(labels) if labels else None, "rm": None if rm else "0",
             "forcerm": "1" if forcerm else None, "networkmode": network or None, "version": "1",
             "pull": "1" if pull else None, "memory": memory or None}
    response = client.call("POST", "/build", query, body=context_chunks,
                           headers={"Content-Type": "application/x-tar"})
    return response.json_lines()


def prune(client: Client) -> dict:
    return client.call("POST", "/build/prune").json()
