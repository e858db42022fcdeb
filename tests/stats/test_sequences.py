"""Randomising clusters to stepped-wedge sequences, and the schedule that follows."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from hearten.errors import DesignError
from hearten.stats.randomise import redraws
from hearten.stats.sequences import (
    allocations_possible,
    schedule,
    sequence_randomise,
    sequence_rule,
)

TEAMS = [f"T{i:02d}" for i in range(12)]
SITES = ["north"] * 6 + ["south"] * 6

#: A share of 0.5 over 4000 re-draws has a Monte Carlo SE of sqrt(0.25 / 4000) ≈ 0.0079:
#: 0.03 is about four of them.
SHARE_TOLERANCE = 0.03


def test_each_site_spreads_its_teams_equally_over_the_sequences() -> None:
    a = sequence_randomise(TEAMS, SITES, 3, seed=7)
    assert a.scheme == "stepped-wedge"
    per_site = Counter(zip(a.strata, a.arms, strict=True))
    assert set(per_site.values()) == {2}
    assert a.probabilities == pytest.approx([1 / 3] * 12)


def test_the_same_seed_gives_the_same_sequences_whatever_the_order_given() -> None:
    a = sequence_randomise(TEAMS, SITES, 3, seed=11)
    b = sequence_randomise(TEAMS[::-1], SITES[::-1], 3, seed=11)
    assert dict(zip(a.units, a.arms, strict=True)) == dict(zip(b.units, b.arms, strict=True))
    c = sequence_randomise(TEAMS, SITES, 3, seed=12)
    assert a.arms != c.arms


def test_leftover_teams_go_to_each_sequence_with_equal_chance() -> None:
    # five teams, two steps: one sequence gets three; over many re-draws every team is in
    # sequence-1 half the time
    rule = sequence_rule([f"t{i}" for i in range(5)], None, 2)
    drawn = redraws(rule, 3, 4000)
    share = (drawn == 0).mean(axis=0)
    assert np.allclose(share, 0.5, atol=SHARE_TOLERANCE)
    assert set((drawn == 0).sum(axis=1)) == {2, 3}


def test_the_schedule_gives_each_team_its_start_and_its_transition() -> None:
    plan = schedule(["a", "b", "c"], ["x", "x", "x"], ["sequence-2", "sequence-1", "sequence-2"],
                    2, transition=1)  # fmt: skip
    assert plan.periods == 4
    assert [(r.unit, r.start) for r in plan.rows] == [("b", 1), ("a", 2), ("c", 2)]
    assert plan.rows[0].conditions == ("control", "transition", "change", "change")
    assert plan.rows[1].conditions == ("control", "control", "transition", "change")
    assert plan.clusters_starting() == {1: 1, 2: 2}


def test_the_number_of_possible_allocations_is_the_multinomial_coefficient() -> None:
    assert allocations_possible([2, 2, 2]) == 90
    assert allocations_possible([1, 1, 1, 1]) == 24


def test_too_few_teams_for_the_steps_are_refused() -> None:
    with pytest.raises(DesignError, match="cannot fill 4 steps"):
        sequence_randomise(TEAMS[:3], None, 4, seed=1)
    with pytest.raises(DesignError, match="fewer clusters than the 4 steps"):
        sequence_randomise(TEAMS[:7], SITES[:7], 4, seed=1)
    with pytest.raises(DesignError, match="not one of"):
        schedule(["a"], ["x"], ["sequence-3"], 2)
