"""`inspect` output shared by every object kind: a JSON array, or one `--format` line per object."""

import json
import sys
from typing import Callable

from dockyard.cli.gotemplate import render
from dockyard.errors import NotFound


def print_objects(found: list[dict], fmt: str | None) -> None:
    if fmt:
        sys.stdout.write("".join(render(fmt, item) + "\n" for item in found))
    else:
        print(json.dumps(found, indent=4))


def inspect_each(names: list[str], fetch: Callable[[str], dict], fmt: str | None) -> int:
    """Fetch every name, print what was found, report what was not; exit status 1 if any missed."""
    found, status = [], 0
    for name in names:
        try:
            found.append(fetch(name))
        except NotFound as err:
            print(f"Error response from daemon: {err}", file=sys.stderr)
            status = 1
    print_objects(found, fmt)
    return status
