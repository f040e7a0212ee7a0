from dockyard.cli.commands.images import split_tag
from dockyard.wire.humanize import human_duration, human_size


def test_human_size_matches_docker_units():
    assert human_size(1982256) == "1.98MB"
    assert human_size(0) == "0B"
    assert human_size(999) == "999B"
    assert human_size(163_000_000) == "163MB"


def test_human_duration_matches_docker_units():
    assert human_duration(0.5) == "Less than a second"
    assert human_duration(4) == "4 seconds"
    assert human_duration(90) == "About a minute"
    assert human_duration(3 * 3600) == "3 hours"
    assert human_duration(3 * 86400) == "3 days"


def test_split_tag_keeps_registry_ports():
    assert split_tag("127.0.0.1:5000/bb:1") == ("127.0.0.1:5000/bb", "1")
    assert split_tag("127.0.0.1:5000/bb") == ("127.0.0.1:5000/bb", None)
    assert split_tag("bb:2") == ("bb", "2")
