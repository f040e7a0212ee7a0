"""Client calls for containers (Engine API container endpoints); errors raised as dockyard.errors."""

from __future__ import annotations

import base64
import json
from typing import Iterable, Iterator, Sequence

from dockyard.client.api import Client, _filters
from dockyard.client.transport import HttpResponse
from dockyard.errors import NotFound

STAT_HEADER = "x-docker-container-path-stat"


def _flag(value: bool) -> str | None:
    return "1" if value else None


def create(client: Client, body: dict, name: str | None = None, platform: str | None = None) -> dict:
    return client.call("POST", "/containers/create", {"name": name or None, "platform": platform},
                       body=body).json()


def pull(client: Client, repo: str, tag: str | None) -> Iterator[dict]:
    """`POST /images/create?fromImage=`: the pull `run` does when the image is missing (progress objects)."""
    return client.call("POST", "/images/create", {"fromImage": repo, "tag": tag}).json_lines()


def list_containers(client: Client, all_: bool = False, limit: int | None = None, size: bool = False,
                    filters: dict[str, list[str]] | None = None) -> list[dict]:
    query = {"all": _flag(all_), "limit": limit if limit and limit > 0 else None, "size": _flag(size),
             "filters": _filters(filters)}
    return client.call("GET", "/containers/json", query).json()


def inspect(client: Client, container: str, size: bool = False) -> dict:
    return client.call("GET", f"/containers/{container}/json", {"size": _flag(size)}).json()


def start(client: Client, container: str) -> None:
    client.call("POST", f"/containers/{container}/start").read()


def stop(client: Client, container: str, timeout: int | None = None, signal: str | None = None) -> None:
    client.call("POST", f"/containers/{container}/stop", {"t": timeout, "signal": signal}).read()


def restart(client: Client, container: str, timeout: int | None = None, signal: str | None = None) -> None:
    client.call("POST", f"/containers/{container}/restart", {"t": timeout, "signal": signal}).read()


def kill(client: Client, container: str, signal: str | None = None) -> None:
    client.call("POST", f"/containers/{container}/kill", {"signal": signal}).read()


def pause(client: Client, container: str) -> None:
    client.call("POST", f"/containers/{container}/pause").read()


def unpause(client: Client, container: str) -> None:
    client.call("POST", f"/containers/{container}/unpause").read()


def rename(client: Client, container: str, new_name: str) -> None:
    client.call("POST", f"/containers/{container}/rename", {"name": new_name}).read()


def update(client: Client, container: str, body: dict) -> dict:
    return client.call("POST", f"/containers/{container}/update", body=body).json()


def remove(client: Client, container: str, force: bool = False, volumes: bool = False) -> None:
    client.call("DELETE", f"/containers/{container}", {"force": _flag(force), "v": _flag(volumes)}).read()


def wait(client: Client, container: str, condition: str | None = None) -> HttpResponse:
    """Returns once the headers arrived; `.json()` on the result blocks until the condition is met."""
    return client.call("POST", f"/containers/{container}/wait", {"condition": condition})


def resize(client: Client, container: str, height: int, width: int) -> None:
    client.call("POST", f"/containers/{container}/resize", {"h": height, "w": width}).read()


def attach(client: Client, container: str, stdin: bool, stdout: bool = True, stderr: bool = True,
           logs: bool = False, detach_keys: str | None = None) -> HttpResponse:
    """The hijacked attach session: `.hijacked_socket()` on the result gives the raw stream."""
    query = {"stdin": _flag(stdin), "stdout": _flag(stdout), "stderr": _flag(stderr), "stream": "1",
             "logs": _flag(logs), "detachKeys": detach_keys}
    return client.call("POST", f"/containers/{container}/attach", query, headers={"Content-Type": "text/plain"},
                       upgrade=True)


def logs(client: Client, container: str, follow: bool = False, stdout: bool = True, stderr: bool = True,
         tail: str = "all", timestamps: bool = False, since: str | None = None,
         until: str | None = None) -> Iterator[bytes]:
    query = {"follow": _flag(follow), "stdout": _flag(stdout), "stderr": _flag(stderr), "tail": tail,
             "timestamps": _flag(timestamps), "since": since, "until": until}
    return client.call("GET", f"/containers/{container}/logs", query).chunks()


def top(client: Client, container: str, ps_args: str | None = None) -> dict:
    return client.call("GET", f"/containers/{container}/top", {"ps_args": ps_args or None}).json()


def stats_once(client: Client, container: str) -> dict:
    return client.call("GET", f"/containers/{container}/stats", {"stream": "0"}).json()


def stats_stream(client: Client, container: str) -> Iterator[dict]:
    return client.call("GET", f"/containers/{container}/stats", {"stream": "1"}).json_lines()


def changes(client: Client, container: str) -> list[dict]:
    return client.call("GET", f"/containers/{container}/changes").json() or []


def export(client: Client, container: str) -> Iterator[bytes]:
    return client.call("GET", f"/containers/{container}/export").chunks()


def commit(client: Client, container: str, repo: str | None, tag: str | None, author: str = "",
           comment: str = "", changes_: Sequence[str] = (), pause_: bool = True) -> str:
    query = {"container": container, "repo": repo, "tag": tag, "author": author or None,
             "comment": comment or None, "changes": list(changes_) or None, "pause": None if pause_ else "0"}
    return client.call("POST", "/commit", query, body={}).json()["Id"]


def prune(client: Client, filters: dict[str, list[str]] | None = None) -> dict:
    return client.call("POST", "/containers/prune", {"filters": _filters(filters)}).json()


# ---- archive (docker cp) ----------------------------------------------------------------------

def path_stat(client: Client, container: str, path: str) -> dict | None:
    """The stat of `path` inside the container, or None when it does not exist."""
    try:
        response = client.call("HEAD", f"/containers/{container}/archive", {"path": path})
    except NotFound:
        return None
    response.close()
    return decode_stat(response.headers.get(STAT_HEADER, ""))


def get_archive(client: Client, container: str, path: str) -> tuple[dict, Iterator[bytes]]:
    response = client.call("GET", f"/containers/{container}/archive", {"path": path})
    return decode_stat(response.headers.get(STAT_HEADER, "")), response.chunks()


def put_archive(client: Client, container: str, path: str, chunks: Iterable[bytes],
                copy_uid_gid: bool = False) -> None:
    query = {"path": path, "noOverwriteDirNonDir": "true", "copyUIDGID": "true" if copy_uid_gid else None}
    client.call("PUT", f"/containers/{container}/archive", query, body=chunks,
                headers={"Content-Type": "application/x-tar"}).read()


def decode_stat(header: str) -> dict:
    if not header:
        return {}
    return json.loads(base64.b64decode(header))
