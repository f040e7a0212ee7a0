"""A client for one repository of a registry (the OCI distribution API, HTTP API v2).

`connect` pings `/v2/` and answers the challenge once for the repository's scope; later calls
carry that header and re-authenticate once if the registry asks again. Blobs stream: downloads
hand back the open response, uploads take an iterable of chunks (a chunked PATCH) so a layer
is compressed while it is sent.
"""

from __future__ import annotations

import json
from typing import Iterable
from urllib.parse import urljoin

import urllib3

from dockyard.errors import DockyardError, Forbidden, InternalError, NotFound, Unauthorized
from dockyard.registry import auth
from dockyard.registry.challenge import parse_challenges, scope
from dockyard.registry.credentials import Credentials
from dockyard.registry.endpoint import Endpoint
from dockyard.registry.manifests import ACCEPT, error_text

USER_AGENT = "dockyard/0.1 (linux)"
UPLOAD_CHUNK = 1 << 20


class RegistryClient:
    def __init__(self, http: urllib3.PoolManager, endpoint: Endpoint, repository: str,
                 credentials: Credentials, actions: tuple[str, ...] = ("pull",)):
        self.http, self.endpoint, self.repository = http, endpoint, repository
        self.credentials, self.actions = credentials, actions
        self.scopes = [scope(repository, actions)] if repository and actions else []
        self.authorization: str | None = None
        self.challenges: list = []

    # ---- session ---------------------------------------------------------------------------

    def connect(self) -> "RegistryClient":
        """Ping the registry and authorise for this repository."""
        response = self._ping()
        if response.status == 401:
            self._authorize(response)
        elif response.status != 200:
            raise _error(response, f"{self.endpoint.url}/v2/")
        return self

    def login(self) -> None:
        """What `docker login` checks: the credentials are accepted at `/v2/`."""
        response = self._ping()
        url = f"{self.endpoint.url}/v2/"
        if response.status == 200:
            return
        if response.status != 401:
            raise _error(response, url)
        self._authorize(response)
        if self.authorization is None:
            raise Unauthorized(f"login attempt to {url} failed with status: 401 Unauthorized")
        response = self._send("GET", "/v2/", retry_auth=False)
        if response.status != 200:
            raise Unauthorized(f"login attempt to {url} failed with status: {response.status} {response.reason}")

    def _ping(self):
        """`GET /v2/`; an insecure registry whose TLS fails is spoken to over HTTP from then on."""
        if self.endpoint.fallback is None:
            return self._send("GET", "/v2/", retry_auth=False)
        try:
            return self._send("GET", "/v2/", retry_auth=False, retries=False)
        except InternalError:
            self.endpoint = self.endpoint.fallback
            return self._send("GET", "/v2/", retry_auth=False)

    def _authorize(self, response) -> None:
        self.challenges = parse_challenges(response.headers.get("WWW-Authenticate", ""))
        self.authorization = auth.authorization(self.http, self.challenges, self.credentials, self.scopes)
        if self.authorization is None and any(c.scheme == "basic" for c in self.challenges) and self.actions:
            raise InternalError("no basic auth credentials")  # dockerd's text; not a 401 (the CLI would prompt)

    def _send(self, method: str, path: str, headers: dict | None = None, body=None,
              stream: bool = False, retry_auth: bool = True, chunked: bool = False, retries=None):
        url = urljoin(self.endpoint.url, path)
        all_headers = {"User-Agent": USER_AGENT, **(headers or {})}
        if self.authorization:
            all_headers["Authorization"] = self.authorization
        try:
            response = self.http.request(method, url, headers=all_headers, body=body, chunked=chunked,
                                         preload_content=not stream, decode_content=False,
                                         redirect=method in ("GET", "HEAD"), retries=retries)
        except urllib3.exceptions.HTTPError as err:
            raise InternalError(f'{method.capitalize()} "{url}": {_reason(err)}') from None
        if response.status == 401 and retry_auth and _replayable(body):
            response.drain_conn()
            self._authorize(response)
            return self._send(method, path, headers, body, stream, retry_auth=False, chunked=chunked)
        return response

    def _path(self, kind: str, ref: str = "") -> str:
        return f"/v2/{self.repository}/{kind}/{ref}"

    # ---- manifests -------------------------------------------------------------------------

    def get_manifest(self, ref: str, display: str) -> tuple[bytes, str]:
        """(body, content type) of a tag's or digest's manifest."""
        response = self._send("GET", self._path("manifests", ref), {"Accept": ACCEPT})
        if response.status == 404:
            raise NotFound(f"manifest for {display} not found: {error_text(response.data, 404, response.reason)}")
        if response.status in (401, 403):  # dockerd reports denial as not-found
            reason = error_text(response.data, response.status, response.reason)
            raise NotFound(f"pull access denied for {display.rsplit(':', 1)[0].split('@')[0]}, repository does "
                           f"not exist or may require 'docker login': {reason}")
        if response.status != 200:
            raise _error(response, display)
        return response.data, response.headers.get("Content-Type", "")

    def put_manifest(self, ref: str, body: bytes, media_type: str) -> str:
        response = self._send("PUT", self._path("manifests", ref), {"Content-Type": media_type}, body)
        if response.status not in (200, 201):
            raise _error(response, f"manifest {ref}")
        return response.headers.get("Docker-Content-Digest", "")

    def tags(self) -> list[str]:
        response = self._send("GET", self._path("tags", "list"))
        if response.status != 200:
            raise _error(response, f"repository {self.repository}")
        try:
            return list(json.loads(response.data).get("tags") or [])
        except (ValueError, AttributeError):
            raise InternalError(f"invalid tag list from {self.endpoint.host}") from None

    # ---- blobs -----------------------------------------------------------------------------

    def open_blob(self, digest: str) -> "BlobReader":
        """A blob as a file object; `close()` it when done."""
        response = self._send("GET", self._path("blobs", digest), stream=True)
        if response.status != 200:
            response.read()
            raise _error(response, f"blob {digest}")
        return BlobReader(response, digest)

    def get_blob(self, digest: str) -> bytes:
        response = self._send("GET", self._path("blobs", digest))
        if response.status != 200:
            raise _error(response, f"blob {digest}")
        return response.data

    def has_blob(self, digest: str) -> bool:
        response = self._send("HEAD", self._path("blobs", digest))
        if response.status in (200, 404):
            return response.status == 200
        raise _error(response, f"blob {digest}")

    def mount_blob(self, digest: str, from_repository: str) -> bool:
        """Cross-repository mount; False when the registry wants an upload instead."""
        response = self._send("POST", f"{self._path('blobs', 'uploads/')}?mount={digest}&from={from_repository}")
        if response.status == 201:
            return True
        if response.status == 202:
            self._cancel(response.headers.get("Location", ""))
            return False
        raise _error(response, f"blob {digest}")

    def upload_blob(self, chunks: Iterable[bytes], digest_of) -> str:
        """POST an upload, PATCH the chunks as one chunked body, PUT with the digest.

        `digest_of()` is called once the chunks are exhausted (they are hashed as they go)."""
        location = self._start_upload()
        response = self._send("PATCH", location, {"Content-Type": "application/octet-stream"},
                              body=_nonempty(chunks), chunked=True)
        if response.status != 202:
            raise _error(response, "blob upload")
        digest = digest_of()
        return self._finish_upload(response.headers.get("Location") or location, digest, b"")

    def put_blob(self, data: bytes, digest: str) -> str:
        """A small blob (a config) in one monolithic PUT."""
        return self._finish_upload(self._start_upload(), digest, data)

    def _start_upload(self) -> str:
        response = self._send("POST", self._path("blobs", "uploads/"))
        if response.status != 202 or not response.headers.get("Location"):
            raise _error(response, "blob upload")
        return response.headers["Location"]

    def _finish_upload(self, location: str, digest: str, body: bytes) -> str:
        separator = "&" if "?" in location else "?"
        response = self._send("PUT", f"{location}{separator}digest={digest}",
                              {"Content-Type": "application/octet-stream"}, body)
        if response.status != 201:
            raise _error(response, f"blob {digest}")
        return digest

    def _cancel(self, location: str) -> None:
        if location:
            try:
                self._send("DELETE", location)
            except DockyardError:
                pass  # the registry expires abandoned uploads itself


class BlobReader:
    """A streamed blob: raw bytes (never content-decoded); transport failures as dockyard errors."""

    def __init__(self, response, digest: str):
        self.response, self.digest = response, digest

    def read(self, n: int = -1) -> bytes:
        try:
            return self.response.read(None if n is None or n < 0 else n, decode_content=False)
        except urllib3.exceptions.HTTPError as err:
            raise InternalError(f"error reading blob {self.digest}: {_reason(err)}") from None

    def close(self) -> None:
        self.response.release_conn()


def _error(response, what: str) -> DockyardError:
    text = error_text(response.data, response.status, response.reason or "")
    if response.status == 401:
        return Unauthorized(text)
    if response.status == 403:
        return Forbidden(text)
    if response.status == 404:
        return NotFound(f"{what}: {text}")
    return InternalError(text)


def _reason(err: Exception) -> str:
    reason = getattr(err, "reason", None) or err
    return str(reason).split(": ", 1)[-1] if isinstance(reason, Exception) else str(reason)


def _replayable(body) -> bool:
    return body is None or isinstance(body, (bytes, str))


def _nonempty(chunks: Iterable[bytes]) -> Iterable[bytes]:
    for chunk in chunks:
        if chunk:
            yield chunk
