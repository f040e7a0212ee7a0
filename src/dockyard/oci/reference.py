"""Image references with Docker's normalisation.

`busybox` is `docker.io/library/busybox:latest`; `localhost:5000/a/b:t` keeps its registry;
`name@sha256:...` pins a digest. `familiar` gives the short form Docker prints.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dockyard.errors import InvalidArgument

DEFAULT_DOMAIN = "docker.io"
LEGACY_DEFAULT_DOMAIN = "index.docker.io"
OFFICIAL_PREFIX = "library/"
DEFAULT_TAG = "latest"
NAME_MAX = 255

_ALNUM = r"[a-z0-9]+"
_SEPARATOR = r"(?:[._]|__|[-]+)"
_PATH_COMPONENT = rf"{_ALNUM}(?:{_SEPARATOR}{_ALNUM})*"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_HOST = rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[a-fA-F0-9:]+\])"
_DOMAIN = rf"{_HOST}(?::[0-9]+)?"
_TAG = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"  # Go's \w: ASCII only (Python's also takes é)
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
_NAME = rf"(?:{_DOMAIN}/)?{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*"
_REFERENCE = re.compile(rf"({_NAME})(?::({_TAG}))?(?:@({_DIGEST}))?")
_TAG_ONLY = re.compile(_TAG)
_ID = re.compile(r"[a-f0-9]{64}")


@dataclass(frozen=True)
class Reference:
    """A normalised reference: `domain/path[:tag][@digest]`."""

    domain: str
    path: str
    tag: str | None = None
    digest: str | None = None

    @property
    def name(self) -> str:
        """The full repository name, e.g. `docker.io/library/busybox`."""
        return f"{self.domain}/{self.path}"

    @property
    def familiar_name(self) -> str:
        """The repository as Docker prints it, e.g. `busybox`, `localhost:5000/a/b`."""
        if self.domain != DEFAULT_DOMAIN:
            return self.name
        path = self.path
        if path.startswith(OFFICIAL_PREFIX) and "/" not in path[len(OFFICIAL_PREFIX):]:
            return path[len(OFFICIAL_PREFIX):]
        return path

    def __str__(self) -> str:
        return self.name + self._suffix()

    def familiar(self) -> str:
        """The short string form: `busybox:latest`, `busybox@sha256:...`."""
        return self.familiar_name + self._suffix()

    def _suffix(self) -> str:
        return (f":{self.tag}" if self.tag else "") + (f"@{self.digest}" if self.digest else "")

    def with_tag(self, tag: str) -> "Reference":
        if not _TAG_ONLY.fullmatch(tag):
            raise InvalidArgument("invalid tag format")
        return Reference(self.domain, self.path, tag, None)

    def with_default_tag(self) -> "Reference":
        """`busybox` → `busybox:latest`; references with a tag or digest are unchanged."""
        if self.tag or self.digest:
            return self
        return Reference(self.domain, self.path, DEFAULT_TAG, None)

    def repository(self) -> "Reference":
        return Reference(self.domain, self.path)


def is_full_id(value: str) -> bool:
    """A bare 64-hex string, which Docker treats as an image ID, never as a name."""
    return bool(_ID.fullmatch(value))


def _split_domain(name: str) -> tuple[str, str]:
    slash = name.find("/")
    first = name[:slash]
    if slash == -1 or (
        not any(c in first for c in ".:") and first != "localhost" and first.lower() == first
    ):
        domain, remainder = DEFAULT_DOMAIN, name
    else:
        domain, remainder = first, name[slash + 1:]
    if domain == LEGACY_DEFAULT_DOMAIN:
        domain = DEFAULT_DOMAIN
    if domain == DEFAULT_DOMAIN and "/" not in remainder:
        remainder = OFFICIAL_PREFIX + remainder
    return domain, remainder


def parse(value: str) -> Reference:
    """Parse and normalise a user-supplied reference (Docker's ParseNormalizedNamed)."""
    if is_full_id(value):
        raise InvalidArgument(
            f"invalid repository name ({value}), cannot specify 64-byte hexadecimal strings"
        )
    if not value:
        raise InvalidArgument("invalid reference format")
    domain, remainder = _split_domain(value)
    remote = remainder.split("@", 1)[0].split(":", 1)[0]
    if remote.lower() != remote:
        raise InvalidArgument(
            f"invalid reference format: repository name ({remote}) must be lowercase"
        )
    return _parse_full(f"{domain}/{remainder}")


def _parse_full(value: str) -> Reference:
    match = _REFERENCE.fullmatch(value)
    if not match:
        raise InvalidArgument("invalid reference format")
    name, tag, digest = match.groups()
    if len(name) > NAME_MAX:
        raise InvalidArgument(f"repository name must not be more than {NAME_MAX} characters")
    domain, path = name.split("/", 1)
    if digest is not None and not digest.startswith("sha256:"):
        raise InvalidArgument(f"unsupported digest algorithm: {digest}")
    if digest is not None and len(digest) != len("sha256:") + 64:
        raise InvalidArgument("invalid checksum digest length")
    return Reference(domain, path, tag, digest.lower() if digest else None)


def parse_repository_tag(repo: str, tag: str | None) -> Reference:
    """The `repo` + `tag` query pair of tag/import/commit, normalised, tag defaulting to latest."""
    ref = parse(repo)
    if ref.digest:
        raise InvalidArgument("refusing to create a tag with a digest reference")
    if tag:
        if ref.tag:
            raise InvalidArgument("invalid reference format")
        ref = ref.with_tag(tag)
    return ref.with_default_tag()
