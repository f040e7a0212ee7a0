"""API version prefixes: `/v1.44/containers/json` → ((1, 44), "/containers/json")."""

import re

from dockyard.errors import InvalidArgument

MAX_API = (1, 44)
MIN_API = (1, 24)
_PREFIX = re.compile(r"^/v(\d+)\.(\d+)(/.*)$")


def format_version(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1]}"


def split_version(path: str) -> tuple[tuple[int, int], str]:
    found = _PREFIX.match(path)
    if not found:
        return MAX_API, path
    version = (int(found.group(1)), int(found.group(2)))
    if version > MAX_API:
        raise InvalidArgument(
            f"client version {format_version(version)} is too new. "
            f"Maximum supported API version is {format_version(MAX_API)}"
        )
    if version < MIN_API:
        raise InvalidArgument(
            f"client version {format_version(version)} is too old. "
            f"Minimum supported API version is {format_version(MIN_API)}, "
            "please upgrade your client to a newer version"
        )
    return version, found.group(3)
