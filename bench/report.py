"""Formatting results: the console table, a Markdown table for the README, and notes."""

from __future__ import annotations

from collections.abc import Sequence

from bench.results import BASELINE, OURS, Outcome, WorkloadResult

REASON_WIDTH = 48


def format_value(value: float, unit: str) -> str:
    if unit == "s":
        if value < 0.01:
            return f"{value * 1000:.1f} ms"
        return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"
    if unit == "count":
        return f"{value:.0f}"
    return f"{value:.1f} {unit}"


def shorten(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def outcome_cell(outcome: Outcome | None, unit: str, width: int = REASON_WIDTH) -> str:
    if outcome is None:
        return "—"
    if outcome.failure is not None:
        return f"n/a ({shorten(outcome.failure, width)})"
    value = outcome.median
    return "—" if value is None else format_value(value, unit)


def ratio_cell(result: WorkloadResult) -> str:
    value = result.ratio
    return "—" if value is None else f"{value:.2f}×"


def goal_cell(result: WorkloadResult) -> str:
    if result.limit is not None:
        return f"{'≥' if result.higher_is_better else '≤'} {format_value(result.limit, result.unit)}"
    if result.goal is None:
        return "—"
    return f"{'≥' if result.higher_is_better else '≤'} {result.goal:g}×"


def met_cell(result: WorkloadResult) -> str:
    return {True: "yes", False: "NO", None: "—"}[result.met]


def load_cell(result: WorkloadResult) -> str:
    """The machine's 1-minute load average when the workload started and ended (2 cores)."""
    return "—" if result.load is None else f"{result.load[0]:.1f}–{result.load[1]:.1f}"


def rows(results: Sequence[WorkloadResult], targets: Sequence[str]) -> list[list[str]]:
    """Header and one row per workload. The ratio columns only appear when both sides ran."""
    compare = OURS in targets and BASELINE in targets
    loads = any(result.load is not None for result in results)
    header = (["workload", *targets] + (["ratio", "goal", "met?"] if compare else [])
              + (["load"] if loads else []))
    body = []
    for result in results:
        row = [result.name] + [outcome_cell(result.outcomes.get(t), result.unit) for t in targets]
        if compare:
            row += [ratio_cell(result), goal_cell(result), met_cell(result)]
        if loads:
            row.append(load_cell(result))
        body.append(row)
    return [header, *body]


def text_table(table: list[list[str]]) -> str:
    """Columns padded to their widest cell; numbers right-aligned, the workload name left."""
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]

    def line(row: list[str]) -> str:
        cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:])]
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(table[0]), rule, *(line(r) for r in table[1:])])


def markdown_table(table: list[list[str]], commands: Sequence[str] | None = None) -> str:
    """A Markdown table; with `commands`, a last column shows what produced each row."""
    header = table[0] + (["command"] if commands is not None else [])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for index, row in enumerate(table[1:]):
        cells = row + ([f"`{commands[index]}`"] if commands is not None else [])
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


def failure_notes(results: Sequence[WorkloadResult]) -> list[str]:
    """Full reasons and notes, which the table shortens."""
    notes = []
    for result in results:
        for target, outcome in result.outcomes.items():
            if outcome.failure is not None:
                notes.append(f"{result.name} on {target}: {outcome.failure}")
            notes.extend(f"{result.name} on {target}: {note}" for note in outcome.notes)
    return notes
