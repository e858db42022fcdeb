"""Small-cell suppression: primary, complementary, hidden parents, and the auditor that tries
to solve every hidden cell from all the margins a role sees."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hearten.stats.disclosure import (
    Group,
    Margin,
    Table,
    audit,
    determined,
    interval,
    protect,
    suppress,
)


def _hidden(cells: list) -> set[str]:
    return {c.key for c in cells if c.hidden}


def test_a_small_group_is_hidden_and_a_second_hides_it_from_subtraction() -> None:
    groups = [
        Group("north", None, 30, 20),
        Group("n1", "north", 12, 9),
        Group("n2", "north", 3, 3),  # too small
        Group("n3", "north", 15, 8),
    ]
    cells = suppress(groups, 5)
    # n2 alone hidden could be worked out as 30 - 12 - 15; n1 (the next smallest) goes too.
    assert _hidden(cells) == {"n2", "n1"}
    shown = {c.key: c for c in cells}
    assert shown["n3"].rate == pytest.approx(8 / 15)
    assert shown["n2"].hidden == "fewer than the minimum"
    assert shown["n1"].hidden == "hidden so another cannot be worked out"


def test_a_hidden_site_hides_its_teams_and_a_second_site_whole() -> None:
    groups = [
        Group("north", None, 4, 2),
        Group("n1", "north", 4, 2),
        Group("south", None, 10, 6),
        Group("s1", "south", 5, 3),
        Group("s2", "south", 5, 3),
        Group("west", None, 20, 11),
    ]
    hidden = _hidden(suppress(groups, 5))
    # north is small; of the margins whose hiding stops north being the overall total minus
    # the rest, west is the smallest (hiding south alone would leave s1 + s2).
    assert hidden == {"north", "n1", "west"}


def test_nothing_is_hidden_when_every_group_is_large_enough() -> None:
    groups = [Group("a", None, 5, 1), Group("b", None, 9, 9)]
    assert _hidden(suppress(groups, 5)) == set()


def test_an_only_child_hidden_with_its_parent_needs_no_partner() -> None:
    groups = [Group("a", None, 3, 1), Group("a1", "a", 3, 1), Group("b", None, 8, 2),
              Group("c", None, 9, 2)]  # fmt: skip
    assert _hidden(suppress(groups, 5)) == {"a", "a1", "b"}


def test_the_minimum_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        suppress([], 0)


# The review's site North, as margins over its six teams (a cluster trial: each team is one
# base cell). Arms are unions of teams: control = NA + ND + NF, letters = NB + NC + NE.
SIZES = (3, 6, 7, 8, 9, 10)
ANSWERED = (0, 5, 6, 7, 8, 9)
NAMES = ("NA", "NB", "NC", "ND", "NE", "NF")


def _north(arms: bool = True) -> Table:
    def m(key: str, cells: set[int], parent: str | None = None) -> Margin:
        return Margin(key, parent, sum(SIZES[j] for j in cells),
                      sum(ANSWERED[j] for j in cells), frozenset(cells))  # fmt: skip

    margins = [m("North", set(range(6))), *(m(n, {j}, "North") for j, n in enumerate(NAMES))]
    if arms:
        margins += [m("control", {0, 3, 5}), m("letters", {1, 2, 4})]
    return Table(SIZES, ANSWERED, tuple(margins), 5)


def test_the_auditor_solves_a_hidden_team_from_the_arm_totals_as_the_review_did() -> None:
    table = _north()
    old = {1, 2}  # NA and NB hidden by the per-table rule, arms shown
    exposed = {e.what: e for e in audit(table, old)}
    assert exposed["NA"].value == 0
    assert exposed["NA"].how == "solved exactly from the margins shown"
    assert audit(_north(arms=False), old) == []  # without the arm table the pair held


def test_suppression_hides_until_the_auditor_finds_nothing() -> None:
    table = _north()
    hidden = protect(table)
    # NA's partner must be in its own arm: ND (NA + ND = 7 can be 0 + 7, ..., 3 + 4).
    assert {table.margins[i].key for i in hidden} == {"NA", "ND"}
    assert audit(table, set(hidden)) == []


def test_a_row_space_test_says_which_sums_follow_from_the_margins() -> None:
    published = np.array([[1, 1, 1], [0, 1, 1], [1, 0, 0]], dtype=float)[:2]
    targets = np.array([[1, 0, 0], [0, 1, 0], [0, 1, 1]], dtype=float)
    assert determined(published, targets).tolist() == [True, False, True]


def test_bounds_pin_a_cell_the_row_space_does_not_when_a_pair_is_full() -> None:
    # Two hidden teams of 3 and 6 whose sum is 9 of 9: each must be full (100%).
    published = np.array([[1.0, 1.0]])
    target = np.array([1.0, 0.0])
    assert not determined(published, target[None, :])[0]
    assert interval(published, np.array([9.0]), target, np.array([3.0, 6.0])) == (3.0, 3.0)
    table = Table((3, 6, 9), (3, 6, 4), (
        Margin("all", None, 18, 13, frozenset({0, 1, 2})),
        Margin("a", None, 3, 3, frozenset({0})), Margin("b", None, 6, 6, frozenset({1})),
        Margin("c", None, 9, 4, frozenset({2})),
    ), 5)  # fmt: skip
    assert {e.how for e in audit(table, {1, 2})} == {"bounded to one value by the margins shown"}
    assert audit(table, set(protect(table))) == []


@settings(max_examples=25, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 12), min_size=2, max_size=7),
    data=st.data(),
)
def test_any_table_ends_with_nothing_exposed(sizes: list[int], data: st.DataObject) -> None:
    answered = [data.draw(st.integers(0, n)) for n in sizes]
    arm = [data.draw(st.booleans()) for _ in sizes]
    cells = range(len(sizes))
    groups = [set(cells), *({j} for j in cells), {j for j in cells if arm[j]},
              {j for j in cells if not arm[j]}]  # fmt: skip
    table = Table(tuple(sizes), tuple(answered), tuple(
        Margin(str(i), None, sum(sizes[j] for j in g), sum(answered[j] for j in g), frozenset(g))
        for i, g in enumerate(groups) if g
    ), 5)  # fmt: skip
    hidden = protect(table)
    assert audit(table, set(hidden)) == []
    for i, m in enumerate(table.margins):  # every small, empty or full group is hidden
        if m.people < 5 or m.answered in (0, m.people):
            assert i in hidden
