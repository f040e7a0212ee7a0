"""`docker diff`: what a container changed, read from its layer's diff (blocking I/O)."""

import os
import posixpath
import tarfile
from typing import BinaryIO

from dockyard.wire.tar_paths import clean_name, whiteout_kind

MODIFIED, ADDED, DELETED = 0, 1, 2


def changes_from_diff(diff_tar: BinaryIO, lowers: list[str]) -> list[dict]:
    """Entries of a layer diff as Docker's change list, sorted by path (`lowers`: the init
    layer and the image's, so the mount points the init layer holds never show)."""
    found: dict[str, int] = {}
    with tarfile.open(fileobj=diff_tar, mode="r|") as tar:
        for member in tar:
            name = clean_name(member.name)
            if not name:
                continue
            whiteout = whiteout_kind(name)
            if whiteout is None:
                existed = _in_lowers(name, lowers)
                if not (member.isdir() and existed):  # a changed directory shows through its children
                    found["/" + name] = MODIFIED if existed else ADDED
            elif whiteout[0] == "remove":
                found["/" + whiteout[1]] = DELETED
            elif whiteout[0] == "opaque":
                found.setdefault("/" + whiteout[1], MODIFIED)
    for path in list(found):
        parent = posixpath.dirname(path)
        while parent not in ("/", ""):
            found.setdefault(parent, MODIFIED)
            parent = posixpath.dirname(parent)
    return [{"Path": p, "Kind": k} for p, k in sorted(found.items())]


def _in_lowers(name: str, lowers: list[str]) -> bool:
    return any(os.path.lexists(os.path.join(lower, name)) for lower in lowers)
