"""Docker-style output: tab-aligned tables, `--format` templates, `table` templates (pure)."""

from typing import Any, Callable

from dockyard.cli.gotemplate import render

_PAD = 3
_MIN_WIDTH = 10  # the docker CLI's tabwriter: minwidth 10, padding 3


def align(rows: list[list[str]], min_width: int = _MIN_WIDTH, pad: int = _PAD) -> str:
    """Columns padded like Go's tabwriter (Docker's settings by default: minwidth 10, padding 3):
    every cell but a line's last is padded, so an empty last cell leaves the padding before it."""
    if not rows:
        return ""
    widths = [max(len(r[i]) for r in rows if i < len(r)) for i in range(max(map(len, rows)))]
    lines = []
    for row in rows:
        cells = [cell.ljust(max(widths[i] + pad, min_width)) if i < len(row) - 1 else cell
                 for i, cell in enumerate(row)]
        lines.append("".join(cells))
    return "\n".join(lines) + "\n"


def format_items(items: list[Any], fmt: str | None, default_table: str, headers: dict[str, str],
                 to_row: Callable[[Any], Any] = lambda x: x) -> str:
    """Render items with `--format` (plain or `table …`) or the command's default table."""
    template = fmt or default_table
    if template == "json":
        template = "{{json .}}"
    if not template.startswith("table"):
        return "".join(render(template, to_row(i)) + "\n" for i in items)
    body = template[len("table"):].strip().replace("\\t", "\t")
    header = render(body, headers).split("\t") if body else []
    rows = [header] + [render(body, to_row(i)).split("\t") for i in items]
    return align(rows)
