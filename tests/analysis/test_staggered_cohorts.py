"""Teams by adoption are held read-only (issue 27, item 4): the cohorts do not follow the
mapping they were made from and refuse change, and print as before."""

from __future__ import annotations

from datetime import date

import pytest

from hearten.analysis.staggered import Cohorts, cohorts


def test_cohorts_hold_their_first_treated_months_read_only() -> None:
    given = {"b": 3, "a": 0}
    made = Cohorts(given, ("c",), ())
    given["b"] = 9
    assert made.first_treated == {"b": 3, "a": 0}
    with pytest.raises(TypeError):
        made.first_treated["b"] = 9  # type: ignore[index]
    assert made.to_json() == {"first_treated": {"b": 3, "a": 0}, "before": ("c",), "after": ()}


def test_cohorts_from_adoption_months_read_as_before() -> None:
    adoption = {"b": date(2025, 3, 1), "a": None, "c": date(2024, 12, 1), "d": date(2026, 1, 1)}
    got = cohorts(adoption, date(2025, 1, 1), date(2025, 6, 1))
    assert dict(got.first_treated) == {"a": 0, "b": 3, "d": 0}
    assert (got.before, got.after) == (("c",), ("d",))
