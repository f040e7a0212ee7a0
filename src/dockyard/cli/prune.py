"""`… prune`: Docker's confirmation prompt and its report of what went."""

import sys

from dockyard.wire.humanize import human_size


def confirmed(warning: str) -> bool:
    answer = input(f"WARNING! {warning}\nAre you sure you want to continue? [y/N] ")
    return answer.strip().lower() in ("y", "yes")


def report(title: str, lines: list[str], space: int | None = None) -> None:
    """`Deleted <title>:` and a line each (a blank line after them when space follows), then
    the reclaimed space; network prune reports no space."""
    if lines:
        sys.stdout.write(f"Deleted {title}:\n" + "".join(line + "\n" for line in lines))
        if space is not None:
            sys.stdout.write("\n")
    if space is not None:
        sys.stdout.write(f"Total reclaimed space: {human_size(space)}\n")
