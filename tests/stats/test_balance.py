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
