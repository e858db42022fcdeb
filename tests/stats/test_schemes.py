"""Every randomisation scheme is dispatched from one table, and each scheme's re-draw rule
reproduces the allocation it drew."""

from __future__ import annotations

from dataclasses import replace

import pytest

from hearten.errors import DesignError
from hearten.stats.randomise import SCHEMES, assign, block_randomise
from hearten.stats.schemes import (
    SCHEMES_BY_KIND,
    SchemeInputs,
    draw_by_scheme,
    rule_by_scheme,
    scheme_method,
)

UNITS = [f"team-{i:02d}" for i in range(12)]
STRATA = ["north"] * 6 + ["south"] * 6
INPUTS = SchemeInputs(
    units=UNITS,
    strata=STRATA,
    arm_names=["control", "letters"],
    ratio=[1, 1],
    clustered=True,
    pairs_score=[float((7 * i) % 12) for i in range(12)],
    balance=[(float(i % 5), float((3 * i) % 7)) for i in range(12)],
    balance_names=("caseload", "size"),
    acceptance=0.2,
    steps=3,
)


def test_every_scheme_an_allocation_can_store_has_one_method() -> None:
    assert set(SCHEMES_BY_KIND) == set(SCHEMES)


def test_an_unknown_scheme_is_refused_with_the_known_ones_listed() -> None:
    with pytest.raises(DesignError, match="use one of complete, blocked"):
        scheme_method("minimised")


def test_only_restricted_schemes_must_be_re_drawn_by_their_rule() -> None:
    restricted = {k for k, m in SCHEMES_BY_KIND.items() if m.redraws_by_rule}
    assert restricted == {"matched-pairs", "rerandomised", "stepped-wedge"}


def test_blocked_schemes_draw_as_block_randomisation_does() -> None:
    drawn = draw_by_scheme("blocked", INPUTS, 2026)
    direct = block_randomise(UNITS, STRATA, ["control", "letters"], [1, 1], 2026, clustered=True)
    assert drawn.assignment == direct
    assert drawn.assignment.scheme == "blocked-cluster"
    assert drawn.rerandomisation is None


@pytest.mark.parametrize("kind", ["blocked", "matched-pairs", "rerandomised", "stepped-wedge"])
def test_each_schemes_rule_reproduces_its_draw(kind: str) -> None:
    drawn = draw_by_scheme(kind, INPUTS, 77)
    threshold = drawn.rerandomisation.threshold if drawn.rerandomisation else None
    rule, accept = rule_by_scheme(drawn.assignment.scheme, replace(INPUTS, threshold=threshold))
    again = assign(rule, 77, drawn.assignment.scheme, accept)
    assert again.arms == drawn.assignment.arms
    assert (accept is not None) == (kind == "rerandomised")


def test_a_rerandomised_rule_needs_the_threshold_its_draw_used() -> None:
    with pytest.raises(DesignError, match="threshold"):
        rule_by_scheme("rerandomised", INPUTS)


def test_a_scheme_without_its_inputs_says_what_it_needs() -> None:
    bare = SchemeInputs(UNITS, STRATA, ["control", "letters"], [1, 1])
    with pytest.raises(DesignError, match="matched-pairs scheme needs a matching score"):
        draw_by_scheme("matched-pairs", bare, 1)
    with pytest.raises(DesignError, match="stepped-wedge scheme needs its number of steps"):
        draw_by_scheme("stepped-wedge", bare, 1)
