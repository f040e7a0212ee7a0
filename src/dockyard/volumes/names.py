"""Volume names: what the local driver accepts, and names for anonymous volumes."""

import re
import secrets

from dockyard.errors import InvalidArgument

_NAME = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]+")


def check_name(name: str) -> None:
    """Refuse names that could not be one directory under the volumes root (no `/`, no `..`)."""
    if len(name) == 1:
        raise InvalidArgument(f"create {name}: volume name is too short, names should be at least "
                              "two alphanumeric characters")
    if not _NAME.fullmatch(name):
        raise InvalidArgument(
            f'create {name}: "{name}" includes invalid characters for a local volume name, only '
            '"[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, '
            "use absolute path")


def anonymous_name() -> str:
    return secrets.token_hex(32)
