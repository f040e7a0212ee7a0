from bench.report import format_value, markdown_table, outcome_cell, rows, shorten, text_table, failure_notes
from bench.results import Outcome, WorkloadResult


def result(name="run", ours=(0.1, 0.3, 0.2), theirs=(0.8, 0.8, 0.9), goal=0.25, unit="s",
           ours_failure=None, higher_is_better=False):
    outcome = Outcome(list(ours), failure=ours_failure)
    return WorkloadResult(name, f"docker {name}", unit, goal, higher_is_better,
                          {"dockyard": outcome, "dockerd": Outcome(list(theirs))})


def test_values_in_their_units():
    assert format_value(0.2345, "s") == "234 ms"
    assert format_value(0.0042, "s") == "4.2 ms"
    assert format_value(12.345, "s") == "12.35 s"
    assert format_value(22.66, "MiB") == "22.7 MiB"
    assert format_value(312.0, "count") == "312"


def test_row_holds_medians_ratio_goal_and_verdict():
    table = rows([result()], ["dockyard", "dockerd"])
    assert table[0] == ["workload", "dockyard", "dockerd", "ratio", "goal", "met?"]
    assert table[1] == ["run", "200 ms", "800 ms", "0.25×", "≤ 0.25×", "yes"]


def test_missed_goal_is_loud():
    table = rows([result(ours=(0.5,), theirs=(1.0,))], ["dockyard", "dockerd"])
    assert table[1][-1] == "NO"


def test_failure_shows_reason_and_no_ratio():
    table = rows([result(ours_failure="docker run: page not found")], ["dockyard", "dockerd"])
    assert table[1][1] == "n/a (docker run: page not found)"
    assert table[1][3:] == ["—", "≤ 0.25×", "—"]


def test_long_reasons_are_shortened_in_the_table_but_kept_in_notes():
    reason = "x" * 200
    assert len(outcome_cell(Outcome(failure=reason), "s")) < 60
    assert failure_notes([result(ours_failure=reason)]) == [f"run on dockyard: {reason}"]


def test_shorten_collapses_whitespace():
    assert shorten("a\n  b", 10) == "a b"
    assert shorten("abcdefghij", 5) == "abcd…"


def test_dockyard_alone_has_no_ratio_columns():
    alone = WorkloadResult("run", "docker run", "s", 0.25, False, {"dockyard": Outcome([1.0])})
    assert rows([alone], ["dockyard"]) == [["workload", "dockyard"], ["run", "1.00 s"]]


def test_throughput_goal_is_a_floor():
    table = rows([result(ours=(90.0,), theirs=(60.0,), unit="MB/s", goal=1.0, higher_is_better=True)],
                 ["dockyard", "dockerd"])
    assert table[1][3:] == ["1.50×", "≥ 1×", "yes"]


def test_text_table_aligns_columns():
    text = text_table([["workload", "dockyard"], ["run-rm-true", "1 ms"], ["ps", "100 ms"]])
    lines = text.splitlines()
    assert lines[0] == "workload     dockyard"
    assert lines[1] == "-----------  --------"
    assert lines[2] == "run-rm-true      1 ms"
    assert lines[3] == "ps             100 ms"


def test_markdown_table_with_commands():
    table = [["workload", "dockyard"], ["run", "1 ms"]]
    assert markdown_table(table, ["docker run | x"]).splitlines() == [
        "| workload | dockyard | command |", "|---|---|---|", "| run | 1 ms | `docker run \\| x` |"]


def test_load_column_when_recorded():
    measured = result()
    measured.load = (1.25, 3.5)
    table = rows([measured], ["dockyard", "dockerd"])
    assert table[0][-1] == "load"
    assert table[1][-1] == "1.2–3.5"


def test_absolute_limit_is_judged_on_our_median_alone():
    within = result(ours=(0.04,), theirs=(0.01,), goal=None)
    within.limit = 0.05
    table = rows([within], ["dockyard", "dockerd"])
    assert table[1][3:] == ["4.00×", "≤ 50 ms", "yes"]
    within.limit = 0.03
    assert rows([within], ["dockyard", "dockerd"])[1][-1] == "NO"
