"""Registry mirrors: where pulls of a registry's images are tried first (pure).

`--registry-mirror https://mirror.example` is dockerd's `registry-mirrors` (Docker Hub's images);
`--registry-mirror gcr.io=http://127.0.0.1:5000` names the registry host it mirrors, as
containerd's hosts.toml does for any host. A mirror serves the same repository paths as the
registry it stands in for; when it fails or lacks the image, the next mirror and at last the
registry itself are asked.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from dockyard.errors import InvalidArgument
from dockyard.oci.reference import DEFAULT_DOMAIN

_HUB_ALIASES = ("docker.io", "index.docker.io", "registry-1.docker.io")


def parse_mirrors(entries: list[str]) -> dict[str, list[str]]:
    """Registry host → mirror URLs (scheme://host[:port], in order)."""
    mirrors: dict[str, list[str]] = {}
    for entry in entries:
        host, sep, url = entry.partition("=")
        if not sep:
            host, url = DEFAULT_DOMAIN, entry
        host = DEFAULT_DOMAIN if host in _HUB_ALIASES else host.strip()
        if not host or "/" in host:
            raise InvalidArgument(f"invalid registry mirror {entry!r}: expected [HOST=]URL")
        mirrors.setdefault(host, []).append(_mirror_url(entry, url.strip()))
    return mirrors


def _mirror_url(entry: str, url: str) -> str:
    """dockerd's ValidateMirror: http(s), a host, nothing after it."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidArgument(f"invalid mirror: unsupported scheme or missing host in {entry!r}")
    if parts.path.strip("/") or parts.query or parts.fragment or parts.username or parts.password:
        raise InvalidArgument(f"invalid mirror: path, query, or fragment at end of the URI {url!r}")
    return f"{parts.scheme}://{parts.netloc}"


def display(mirrors: dict[str, list[str]]) -> list[str]:
    """`docker info`'s Registry Mirrors: Docker Hub's, with a trailing slash as dockerd shows them."""
    return [url + "/" for url in mirrors.get(DEFAULT_DOMAIN, [])]
