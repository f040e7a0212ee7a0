"""The client's calls, one method per Engine API operation; errors raised as dockyard.errors."""

import json
from typing import Iterator

from dockyard import errors
from dockyard.client.transport import HttpResponse, host_from_env, request

_ERRORS = {400: errors.InvalidArgument, 401: errors.Unauthorized, 403: errors.Forbidden,
           404: errors.NotFound, 409: errors.Conflict, 304: errors.NotModified}


class Client:
    def __init__(self, host: str | None = None):
        self.host = host or host_from_env()

    def call(self, method: str, path: str, query: dict | None = None, body=None,
             headers: dict | None = None, upgrade: bool = False) -> HttpResponse:
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            headers = {"Content-Type": "application/json", **(headers or {})}
        try:
            response = request(self.host, method, path, query, body, headers, upgrade)
        except (FileNotFoundError, ConnectionRefusedError) as err:
            raise errors.InternalError(
                f"Cannot connect to the dockyard daemon at {self.host}. Is the daemon running? ({err})"
            ) from None
        if response.status >= 400 or response.status == 304:
            raise _error(response)
        return response

    def version(self) -> dict:
        return self.call("GET", "/version").json()

    def info(self) -> dict:
        return self.call("GET", "/info").json()

    def disk_usage(self) -> dict:
        return self.call("GET", "/system/df").json()

    def events(self, since: str | None = None, until: str | None = None,
               filters: dict[str, list[str]] | None = None) -> Iterator[dict]:
        query = {"since": since, "until": until, "filters": _filters(filters)}
        return self.call("GET", "/events", query).json_lines()


def _filters(filters: dict[str, list[str]] | None) -> str | None:
    if not filters:
        return None
    return json.dumps({k: dict.fromkeys(values, True) for k, values in filters.items()})


def _error(response: HttpResponse) -> errors.DockyardError:
    kind = _ERRORS.get(response.status, errors.InternalError)
    raw = response.read()
    try:
        message = json.loads(raw)["message"]
    except (ValueError, KeyError, TypeError):
        message = raw.decode(errors="replace") or f"HTTP {response.status}"
    return kind(message)
