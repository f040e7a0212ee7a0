"""tmpfs options: sizes as Docker writes them, and merging over the defaults."""

import pytest
from hypothesis import given, strategies as st

from dockyard.errors import InvalidArgument
from dockyard.mounts.tmpfs import format_size, merge, options_from_spec

_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}


@given(st.integers(min_value=1, max_value=1 << 44))
def test_size_round_trip(size):
    text = format_size(size)
    unit = text[-1] if text[-1] in "kmg" else ""
    number = int(text[:-1] if unit else text)
    assert number * _UNITS[unit] == size
    larger = {"": 1 << 10, "k": 1 << 20, "m": 1 << 30}
    assert unit == "g" or size % larger[unit] != 0  # the largest unit that divides evenly


def test_sizes():
    assert format_size(10 * 1024 * 1024) == "10m"
    assert format_size(1 << 30) == "1g"
    assert format_size(1536) == "1536"
    assert format_size(2048) == "2k"


def test_defaults_and_last_one_wins():
    assert merge(()) == ["noexec", "nosuid", "nodev", "rprivate"]
    assert merge(("exec", "size=64m", "size=32m", "shared")) == ["nosuid", "nodev", "exec", "size=32m", "shared"]
    assert merge(("rw", "ro")) == ["noexec", "nosuid", "nodev", "rprivate", "ro"]


@given(st.lists(st.sampled_from(["ro", "rw", "exec", "noexec", "size=1m", "size=2m", "mode=1777", "uid=5", "shared"]), max_size=8))
def test_merge_is_idempotent_and_has_no_duplicate_keys(options):
    merged = merge(tuple(options))
    assert merge(tuple(merged)) == merged
    keys = [o.split("=")[0] for o in merged]
    assert len(keys) == len(set(keys))


def test_unknown_option_refused():
    with pytest.raises(InvalidArgument, match=r'invalid tmpfs option \["bogus"\]'):
        merge(("bogus",))


def test_from_spec():
    assert options_from_spec({"SizeBytes": 1 << 20, "Mode": 0o700}, True) == ("ro", "mode=700", "size=1m")
    assert options_from_spec({"Options": [["exec"]]}, False) == ("exec",)
    with pytest.raises(InvalidArgument, match="invalid option: uid"):
        options_from_spec({"Options": [["uid", "1000"]]}, False)
    with pytest.raises(InvalidArgument, match="invalid option array length"):
        options_from_spec({"Options": [[]]}, False)
    assert options_from_spec(None, False) == ()
