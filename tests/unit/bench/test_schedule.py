import pytest

from bench.schedule import interleave


def test_targets_alternate_every_round():
    slots = interleave(["A", "B"], rounds=3)
    assert [s.target for s in slots] == ["A", "B", "A", "B", "A", "B"]
    assert [s.round for s in slots] == [0, 0, 1, 1, 2, 2]
    assert all(s.measured for s in slots)


def test_warmup_rounds_come_first_and_are_not_measured():
    slots = interleave(["A", "B"], rounds=2, warmup=1)
    assert [(s.target, s.measured) for s in slots] == [
        ("A", False), ("B", False), ("A", True), ("B", True), ("A", True), ("B", True)]
    assert [s.round for s in slots] == [-1, -1, 0, 0, 1, 1]


def test_each_target_gets_the_same_number_of_measured_runs():
    slots = interleave(["A", "B", "C"], rounds=4, warmup=2)
    for target in "ABC":
        assert sum(1 for s in slots if s.target == target and s.measured) == 4
        assert sum(1 for s in slots if s.target == target and not s.measured) == 2


def test_a_single_target_runs_alone():
    assert [s.target for s in interleave(["A"], rounds=2)] == ["A", "A"]


def test_no_rounds_no_slots():
    assert interleave(["A", "B"], rounds=0) == []


def test_negative_rounds_rejected():
    with pytest.raises(ValueError):
        interleave(["A"], rounds=-1)
