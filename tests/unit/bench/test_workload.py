import pytest

from bench.workload import Workload, discover, select


def make(name, opt_in=False):
    return Workload(name, name, run=lambda target, state: 0.0, opt_in=opt_in)


def test_default_selection_skips_opt_in():
    everything = [make("run"), make("max", opt_in=True)]
    assert [w.name for w in select(everything, None)] == ["run"]


def test_only_selects_by_name_and_prefix_including_opt_in():
    everything = [make("run-a"), make("run-b"), make("max", opt_in=True)]
    assert [w.name for w in select(everything, ["max"])] == ["max"]
    assert [w.name for w in select(everything, ["run-*"])] == ["run-a", "run-b"]


def test_unknown_name_is_an_error_listing_known_ones():
    with pytest.raises(ValueError, match="no workload named nope; known: run"):
        select([make("run")], ["nope"])


def test_discovery_finds_every_family_with_unique_names_in_stage_order():
    found = discover()
    names = [w.name for w in found]
    assert {"run-rm-true", "exec-true", "ps-a-300", "idle-rss", "pull-160mb"} <= set(names)
    assert len(names) == len(set(names))
    assert [w.stage for w in found] == sorted(w.stage for w in found)
