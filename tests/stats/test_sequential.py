"""Late joiners: permuted blocks and minimisation, worked by hand and by simulation."""

from __future__ import annotations

from collections import Counter

import pytest

from hearten.errors import DesignError
from hearten.stats.sequential import blocked_joiner, minimisation_probabilities, minimise_joiner


def test_every_complete_block_is_in_exact_ratio_and_reproducible() -> None:
    arms, ratio = ["c", "t"], [1, 2]
    drawn = [blocked_joiner("site-a", i, arms, ratio, seed=5).arm for i in range(12)]
    for b in range(4):
        assert Counter(drawn[3 * b : 3 * b + 3]) == {"c": 1, "t": 2}
    assert drawn == [blocked_joiner("site-a", i, arms, ratio, seed=5).arm for i in range(12)]
    other = [blocked_joiner("site-b", i, arms, ratio, seed=5).arm for i in range(12)]
    assert other != drawn  # each stratum has its own blocks
    assert blocked_joiner("site-a", 0, arms, ratio, 5).probability == pytest.approx(2 / 3)


def test_a_blocked_joiners_probability_is_the_ratio_share_by_simulation() -> None:
    hits = Counter(blocked_joiner("s", 1, ["c", "t"], [1, 1], seed).arm for seed in range(4000))
    assert abs(hits["t"] / 4000 - 0.5) < 4 * (0.25 / 4000) ** 0.5


def test_minimisation_prefers_the_arm_that_balances_worked_by_hand() -> None:
    existing = [
        ("c", {"site": "A", "role": "sw"}),
        ("c", {"site": "A", "role": "senior"}),
        ("t", {"site": "B", "role": "sw"}),
    ]
    # A joiner in site A, role sw. Counts at A: c 2, t 0; at sw: c 1, t 1.
    # To c: ranges (3-0) + (2-1) = 4; to t: (2-1) + (2-1) = 2, so t is preferred.
    probs = minimisation_probabilities(existing, {"site": "A", "role": "sw"}, ["c", "t"], [1, 1])
    assert probs == pytest.approx([0.2, 0.8])
    # With nothing to choose between the arms each gets a half.
    even = minimisation_probabilities([], {"site": "A"}, ["c", "t"], [1, 1])
    assert even == pytest.approx([0.5, 0.5])
    # Three arms, two tied best: p shared between them.
    three = minimisation_probabilities([("a", {"site": "A"})], {"site": "A"}, ["a", "b", "c"],
                                       [1, 1, 1], p=0.9)  # fmt: skip
    assert three == pytest.approx([0.1, 0.45, 0.45])


def test_minimisation_draws_with_the_stated_probability() -> None:
    existing = [("c", {"site": "A"})]
    hits = Counter(
        minimise_joiner(existing, {"site": "A"}, ["c", "t"], [1, 1], seed, 0).arm
        for seed in range(3000)
    )
    assert abs(hits["t"] / 3000 - 0.8) < 4 * (0.16 / 3000) ** 0.5
    one = minimise_joiner(existing, {"site": "A"}, ["c", "t"], [1, 1], 1, 0)
    assert one == minimise_joiner(existing, {"site": "A"}, ["c", "t"], [1, 1], 1, 0)
    assert one.probability in (pytest.approx(0.2), pytest.approx(0.8))


def test_bad_late_joiner_settings_are_refused() -> None:
    with pytest.raises(DesignError, match="minimisation probability"):
        minimisation_probabilities([], {"site": "A"}, ["c", "t"], [1, 1], p=0.3)
    with pytest.raises(DesignError, match="at least one factor"):
        minimisation_probabilities([], {}, ["c", "t"], [1, 1])
    with pytest.raises(DesignError, match="positive"):
        blocked_joiner("s", -1, ["c", "t"], [1, 1], 1)
