"""`ADD <http(s) URL>`: the remote file downloaded into a private directory (blocking I/O).

As dockerd and BuildKit do: the file is named after the URL's last path element (or
`__unnamed__`), gets mode 0600 and the `Last-Modified` time, and is not unpacked unless
`--unpack`. `--checksum=sha256:<hex>` is checked against the bytes received; a mismatch fails
the step with BuildKit's words. Git sources (`.git` URLs, `git@host:...`) are refused by name.
"""

from __future__ import annotations

import email.utils
import hashlib
import os
import posixpath
import re
import urllib.parse

import urllib3

from dockyard.errors import InvalidArgument, NotFound

_CHECKSUM = re.compile(r"sha256:[0-9a-f]{64}")


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def is_git(source: str) -> bool:
    if source.startswith(("git://", "git@", "ssh://")):
        return True
    return is_url(source) and urllib.parse.urlsplit(source).path.rstrip("/").endswith(".git")


def check_checksum(checksum: str, sources: list[str]) -> None:
    """`ADD --checksum`: one HTTP(S) source, a sha256 digest (BuildKit's rules and words)."""
    if len(sources) != 1:
        raise InvalidArgument("checksum can't be specified for multiple sources")
    if not is_url(sources[0]):
        raise InvalidArgument("checksum requires HTTP(S) or Git sources")
    if not _CHECKSUM.fullmatch(checksum):
        raise InvalidArgument(f"invalid checksum digest format: {checksum}")


def fetch(url: str, directory: str, checksum: str = "", timeout: float = 60.0) -> tuple[str, str]:
    """Download `url` into `directory`; returns (host path, file name)."""
    name = posixpath.basename(urllib.parse.urlsplit(url).path.rstrip("/")) or "__unnamed__"
    path = os.path.join(directory, name)
    hasher = hashlib.sha256()
    http = urllib3.PoolManager(retries=urllib3.Retry(total=3, redirect=10), timeout=timeout)
    try:
        response = http.request("GET", url, preload_content=False)
    except urllib3.exceptions.HTTPError as err:
        raise InvalidArgument(f"failed to GET {url}: {err}") from None
    try:
        if response.status >= 400:
            error = NotFound if response.status == 404 else InvalidArgument
            raise error(f"failed to GET {url} with status {response.status} {response.reason}")
        with open(path, "xb") as out:
            for chunk in response.stream(1 << 20):
                hasher.update(chunk)
                out.write(chunk)
        modified = response.headers.get("Last-Modified")
    finally:
        response.release_conn()
    got = "sha256:" + hasher.hexdigest()
    if checksum and got != checksum:
        raise InvalidArgument(f"digest mismatch for {url}: {got} (expected: {checksum})")
    os.chmod(path, 0o600)
    if modified:
        try:
            when = email.utils.parsedate_to_datetime(modified).timestamp()
        except (TypeError, ValueError):
            return path, name
        os.utime(path, (when, when))
    return path, name
