"""Prune filters' `until`: Go durations back from now, or a time (dockerd's GetTimestamp)."""

import pytest

from dockyard.errors import InvalidArgument
from dockyard.wire.times import go_duration_ns, until_ns

NOW = 1_700_000_000 * 1_000_000_000


@pytest.mark.parametrize("text, ns", [("0", 0), ("10s", 10 * 10**9), ("1h30m", 5400 * 10**9),
                                      ("1.5h", 5400 * 10**9), ("-5s", -5 * 10**9), ("300ms", 3 * 10**8)])
def test_go_durations(text, ns):
    assert go_duration_ns(text) == ns


@pytest.mark.parametrize("text", ["", "5", "h", "5x", "1h 2m", "2026-01-01"])
def test_not_durations(text):
    assert go_duration_ns(text) is None


def test_until_is_a_duration_back_from_now_or_a_time():
    assert until_ns("24h", NOW) == NOW - 86400 * 10**9
    assert until_ns("1700000000", NOW) == NOW
    assert until_ns("2023-11-14T22:13:20Z", NOW) == NOW
    assert until_ns("", NOW) is None
    with pytest.raises(InvalidArgument):
        until_ns("yesterday", NOW)
