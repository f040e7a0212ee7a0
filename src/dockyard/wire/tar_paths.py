"""Pure path rules for archive entries: cleaning names and recognising whiteouts."""

from __future__ import annotations

import posixpath

from dockyard.errors import InvalidArgument

WHITEOUT_PREFIX = ".wh."
OPAQUE_MARKER = ".wh..wh..opq"
WHITEOUT_META_PREFIX = ".wh..wh."


def clean_name(name: str) -> str:
    """An entry name as a path relative to the layer root; "" for the root itself.

    Absolute names are made relative; any name that still climbs out of the root is refused.
    """
    if "\x00" in name:
        raise InvalidArgument(f"invalid archive entry name {name!r}")
    parts: list[str] = []
    for part in name.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            raise InvalidArgument(f"archive entry {name!r} is outside of the layer")
        parts.append(part)
    return "/".join(parts)


def split(path: str) -> tuple[str, str]:
    """(parent, base) of a cleaned path."""
    parent, base = posixpath.split(path)
    return parent, base


def whiteout_kind(path: str) -> tuple[str, str] | None:
    """For a whiteout entry: ("opaque", dir) or ("remove", victim path); None otherwise.

    Other `.wh..wh.` names (aufs bookkeeping such as `.wh..wh.plnk`) are ("meta", path).
    """
    parent, base = split(path)
    if not base.startswith(WHITEOUT_PREFIX):
        return None
    if base == OPAQUE_MARKER:
        return "opaque", parent
    if base.startswith(WHITEOUT_META_PREFIX):
        return "meta", path
    victim = base[len(WHITEOUT_PREFIX):]
    if victim in ("", ".", ".."):
        raise InvalidArgument(f"invalid whiteout entry {path!r}")
    return "remove", posixpath.join(parent, victim)
