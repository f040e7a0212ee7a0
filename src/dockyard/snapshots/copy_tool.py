"""The one place that runs `cp`: copying a whole tree with hardlinks, xattrs and times kept."""

from __future__ import annotations

import subprocess

from dockyard.errors import InternalError


def copy_tree(source: str, destination: str) -> None:
    """Copy the contents of `source` into the existing directory `destination`."""
    result = subprocess.run(
        ["cp", "-a", "--reflink=auto", f"{source}/.", destination],
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        raise InternalError(f"copy {source} to {destination}: {result.stderr.strip()}")
