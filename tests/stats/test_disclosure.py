"""Small-cell suppression: primary, complementary, and hidden parents, worked by hand."""

from __future__ import annotations

import pytest

from hearten.stats.disclosure import Group, suppress


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


def test_a_hidden_site_hides_its_teams_and_a_second_site() -> None:
    groups = [
        Group("north", None, 4, 2),
        Group("n1", "north", 4, 2),
        Group("south", None, 10, 6),
        Group("s1", "south", 5, 3),
        Group("s2", "south", 5, 3),
        Group("west", None, 20, 11),
    ]
    hidden = _hidden(suppress(groups, 5))
    # north is small; south (the smaller of the rest) protects it from the overall total.
    assert hidden == {"north", "n1", "south", "s1", "s2"}


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
