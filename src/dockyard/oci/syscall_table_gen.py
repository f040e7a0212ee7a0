"""Regenerate `syscall_table.py` from the kernel's own UAPI header.

Run `python -m dockyard.oci.syscall_table_gen [/usr/include/x86_64-linux-gnu/asm/unistd_64.h]`;
the table is data checked in so the engine never needs kernel headers at run time.
"""

import re
import sys

DEFAULT_HEADER = "/usr/include/x86_64-linux-gnu/asm/unistd_64.h"
_DEFINE = re.compile(r"^#define __NR_(\w+)\s+(\d+)\s*$", re.MULTILINE)


def parse_unistd(header_text: str) -> dict[str, int]:
    """Map syscall name to number from the text of an asm/unistd_64.h."""
    return {name: int(nr) for name, nr in _DEFINE.findall(header_text)}


def render_table(table: dict[str, int]) -> str:
    lines = [
        '"""x86_64 syscall numbers, generated from the kernel UAPI header by syscall_table_gen."""',
        "",
        "X86_64: dict[str, int] = {",
    ]
    lines += [f'    "{name}": {nr},' for name, nr in sorted(table.items(), key=lambda kv: kv[1])]
    lines += ["}", ""]
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    path = argv[0] if argv else DEFAULT_HEADER
    with open(path) as f:
        sys.stdout.write(render_table(parse_unistd(f.read())))


if __name__ == "__main__":
    main(sys.argv[1:])
