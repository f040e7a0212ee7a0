"""The report of `… prune`, byte for byte as the docker CLI prints it."""

from dockyard.cli import prune


def test_report_lists_then_a_blank_line_then_the_space(capsys):
    prune.report("Containers", ["a", "b"], 1500)
    assert capsys.readouterr().out == "Deleted Containers:\na\nb\n\nTotal reclaimed space: 1.5kB\n"


def test_report_of_nothing_is_only_the_space_and_networks_have_none(capsys):
    prune.report("Volumes", [], 0)
    prune.report("Networks", ["n1"])
    assert capsys.readouterr().out == "Total reclaimed space: 0B\nDeleted Networks:\nn1\n"
