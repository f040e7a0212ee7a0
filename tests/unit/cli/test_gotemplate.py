import pytest

from dockyard.cli.gotemplate import render
from dockyard.cli.table import align, format_items
from dockyard.errors import InvalidArgument

DATA = {"Name": "web", "State": {"Running": True, "Pid": 42}, "Labels": {"a": "1", "b": "2"},
        "Names": ["/web", "/alias"], "Empty": []}


@pytest.mark.parametrize("template,expected", [
    ("{{.Name}}", "web"),
    ("{{.State.Pid}} {{.State.Running}}", "42 true"),
    ("{{json .Labels}}", '{"a":"1","b":"2"}'),
    ('{{index .Labels "b"}}', "2"),
    ('{{join .Names ","}}', "/web,/alias"),
    ("{{.Name | upper}}", "WEB"),
    ("{{range .Names}}[{{.}}]{{end}}", "[/web][/alias]"),
    ("{{if .State.Running}}up{{else}}down{{end}}", "up"),
    ("{{if .Empty}}x{{else}}none{{end}}", "none"),
    ("{{.Missing}}", "<no value>"),
    ("a  {{- .Name -}}  b", "awebb"),
    ('{{printf "%s:%d" .Name .State.Pid}}', "web:42"),
    ("{{len .Names}}", "2"),
])
def test_render(template, expected):
    assert render(template, DATA) == expected


@pytest.mark.parametrize("template", ["{{end}}", "{{if .X}}", "{{nosuchfunc .X}}"])
def test_bad_templates_are_invalid_arguments(template):
    with pytest.raises(InvalidArgument):
        render(template, DATA)


def test_align_pads_like_tabwriter():
    assert align([["ID", "NAME"], ["abc", "x"]]) == "ID        NAME\nabc       x\n"
    assert align([["REPOSITORY", "TAG"], ["busybox", "1"]]) == "REPOSITORY   TAG\nbusybox      1\n"


def test_table_format_renders_headers():
    out = format_items([{"ID": "1", "Name": "a"}], "table {{.ID}}\t{{.Name}}", "", {"ID": "ID", "Name": "NAME"})
    assert out == "ID        NAME\n1         a\n"
    assert format_items([{"ID": "1"}], "{{.ID}}", "", {}) == "1\n"
