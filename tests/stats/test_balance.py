from __future__ import annotations

import math

import pytest

from hearten.stats.balance import balance_row


def test_standardised_difference_worked_by_hand() -> None:
    # control 1, 3 (mean 2, sd √2); treated 4, 6, nan (mean 5, sd √2): d = 3 / √2.
    row = balance_row("x", {"t": [4.0, 6.0, math.nan], "c": [1.0, 3.0]}, "c")
    assert [a.arm for a in row.arms] == ["c", "t"]
    assert row.arms[1].n == 2
    assert row.std_diff[0] == pytest.approx(3 / math.sqrt(2))


def test_no_spread_gives_no_standardised_difference() -> None:
    row = balance_row("x", {"c": [1.0, 1.0], "t": [1.0, 1.0]}, "c")
    assert row.std_diff == (None,)


def test_sample_ratio_test_worked_by_hand() -> None:
    from scipy import stats as sps

    from hearten.stats.balance import sample_ratio_test

    # 60 and 40 people where 1:1 was expected: chi² = (10² + 10²) / 50 = 4 on 1 df.
    t = sample_ratio_test({"control": 60, "letters": 40}, {"control": 1, "letters": 1})
    assert t.statistic == pytest.approx(4.0)
    assert t.df == 1
    assert t.p_value == pytest.approx(sps.chi2.sf(4.0, 1))
    assert t.expected == (50.0, 50.0)
    # Shares from the randomised people, as for a cluster trial's responders.
    u = sample_ratio_test({"control": 30, "letters": 45}, {"control": 40, "letters": 60})
    assert u.statistic == pytest.approx(0.0)


def test_cluster_means_are_the_units_of_cluster_balance() -> None:
    from hearten.stats.balance import cluster_means

    means, labels = cluster_means([1.0, 3.0, 10.0, float("nan"), 5.0], ["b", "b", "a", "a", "c"])
    assert list(labels) == ["a", "b", "c"]
    assert list(means) == [10.0, 2.0, 5.0]
