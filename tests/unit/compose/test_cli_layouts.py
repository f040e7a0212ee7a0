"""compose v2's layouts (ps JSON, ls, top) and the watch's pure parts, without a daemon."""

from dockyard.cli.compose import listing
from dockyard.cli.compose.watch import changed, go_strings, matching
from dockyard.compose.model.types import WatchRule
from dockyard.wire import gojson

SUMMARY = {"Id": "d91cc5fec466b586bde3", "Names": ["/p2-a-1"], "Image": "busybox", "Command": "sleep 1000",
           "Created": 1796632964, "State": "running", "Status": "Up 2 minutes",
           "Ports": [{"IP": "0.0.0.0", "PrivatePort": 80, "PublicPort": 8080, "Type": "tcp"}],
           "Labels": {"com.docker.compose.project": "p2", "com.docker.compose.service": "a"},
           "Mounts": [{"Name": "p2_averyveryverylongname", "Driver": "local"}],
           "NetworkSettings": {"Networks": {"p2_default": {}}}}


def test_ps_json_is_go_json_of_compose_v2s_fields():
    fields = listing.ps_fields(SUMMARY, {"Status": "running", "Health": {"Status": "healthy"}},
                               now=1796632964 + 125)
    line = listing.ps_json(fields)
    assert line.startswith('{"Command":"\\"sleep 1000\\"","CreatedAt":"2026-12-07 08:42:44 +0000 UTC","Engine":""')
    assert '"Health":"healthy"' in line and '"LocalVolumes":"1"' in line
    assert '"Mounts":"p2_averyveryve…"' in line  # truncated at 15 as compose v2 does
    assert '"Ports":"0.0.0.0:8080-\\u003e80/tcp"' in line  # Go escapes > in JSON
    assert '"Publishers":[{"URL":"0.0.0.0","TargetPort":80,"PublishedPort":8080,"Protocol":"tcp"}]' in line
    assert '"RunningFor":"2 minutes ago"' in line and line.endswith('"Status":"Up 2 minutes"}\n')
    exited = listing.ps_fields({**SUMMARY, "State": "exited"}, {"Status": "exited", "ExitCode": 3})
    assert (exited["ExitCode"], exited["Health"]) == (3, "")


def test_ls_groups_by_project_and_counts_states():
    def item(project, state, files):
        return {"State": state, "Labels": {"com.docker.compose.project": project,
                                           "com.docker.compose.project.config_files": files}}
    stacks = listing.stacks([item("b", "running", "/b/c.yaml"), item("a", "running", "/a/x.yaml,/a/y.yaml"),
                             item("a", "exited", "/a/x.yaml"), item("a", "running", "/a/x.yaml")])
    assert stacks == [{"Name": "a", "Status": "exited(1), running(2)", "ConfigFiles": "/a/x.yaml,/a/y.yaml"},
                      {"Name": "b", "Status": "running(1)", "ConfigFiles": "/b/c.yaml"}]
    assert gojson.dumps(stacks[1:], escape_html=False) == \
        '[{"Name":"b","Status":"running(1)","ConfigFiles":"/b/c.yaml"}]'
    assert listing.pretty(["NAME", "STATUS"], [["b", "running(1)"]]) == "NAME                STATUS\nb                   running(1)\n"


def test_top_puts_service_and_replica_first_and_cmd_last():
    top = {"Titles": ["UID", "PID", "CMD", "TIME"], "Processes": [["root", "10", "sleep 1", "00:00:00"]]}
    assert listing.top_table([("a", "1", top)]) == \
        "SERVICE  #   UID   PID  TIME      CMD\na        1   root  10   00:00:00  sleep 1\n"
    assert listing.top_table([("a", "1", {"Titles": ["PID"], "Processes": []})]) == ""


def test_watch_rules_match_changed_paths_with_ignore_and_include():
    rule = WatchRule("/p/src", "sync", "/app", ignore=("*.tmp",))
    assert matching(rule, "/p/src/a/b.py") == "a/b.py"
    assert matching(rule, "/p/src/x.tmp") is None
    assert matching(rule, "/p/other") is None and matching(rule, "/p/srcfile") is None
    only = WatchRule("/p/src", "sync", "/app", include=("*.py",))
    assert matching(only, "/p/src/a.py") == "a.py" and matching(only, "/p/src/a.txt") is None
    assert changed({"/a": (1, 1), "/b": (1, 1)}, {"/a": (2, 1), "/c": (1, 1)}) == {"/a", "/b", "/c"}
    assert go_strings(["web", "db"]) == '["web" "db"]'
