"""Commands that act on several names (`rm a b`, `inspect a b`) and Docker's way of reporting
each: a line per name done, an error line per failure, exit status 1 if any failed."""

import contextlib
import json
import sys
from typing import Callable

from dockyard.cli.gotemplate import render
from dockyard.errors import DockyardError, InvalidArgument, NotFound, NotModified


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


def for_each(names: list[str], action: Callable[[str], None], echo: bool = True) -> int:
    """Apply `action` to every name: print each name done (with `echo`), report each failure."""
    status = 0
    for name in names:
        try:
            action(name)
        except NotModified:
            pass
        except DockyardError as err:
            print(f"Error response from daemon: {err}", file=sys.stderr)
            status = 1
            continue
        if echo:
            print(name)
    return status


def write_output(chunks, output: str | None) -> None:
    """An archive to `-o FILE`, or to stdout when that is not a terminal (`save`, `export`)."""
    if not output and sys.stdout.isatty():
        raise InvalidArgument("cowardly refusing to save to a terminal. Use the -o flag or redirect")
    with open(output, "wb") if output else contextlib.nullcontext(sys.stdout.buffer) as out:
        for chunk in chunks:
            out.write(chunk)
