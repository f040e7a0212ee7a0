import pytest

from bench.stats import goal_met, median, ratio


def test_median_of_odd_and_even_counts():
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert median([4.0, 1.0, 3.0, 2.0]) == 2.5


def test_median_ignores_order_and_outlier_magnitude():
    assert median([0.2, 90.0, 0.3]) == 0.3


def test_median_of_nothing_is_none():
    assert median([]) is None


def test_ratio_is_ours_over_baseline():
    assert ratio(0.1, 0.4) == pytest.approx(0.25)


@pytest.mark.parametrize("ours, theirs", [(None, 1.0), (1.0, None), (1.0, 0.0), (None, None)])
def test_ratio_missing_when_a_side_is_missing_or_zero(ours, theirs):
    assert ratio(ours, theirs) is None


def test_goal_is_a_ceiling_for_times():
    assert goal_met(0.25, 0.25) is True
    assert goal_met(0.26, 0.25) is False


def test_goal_is_a_floor_when_higher_is_better():
    assert goal_met(1.2, 1.0, higher_is_better=True) is True
    assert goal_met(0.9, 1.0, higher_is_better=True) is False


def test_no_verdict_without_ratio_or_goal():
    assert goal_met(None, 0.5) is None
    assert goal_met(0.1, None) is None
