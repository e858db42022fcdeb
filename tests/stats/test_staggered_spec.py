"""The staggered estimate's specification: checked when it is made, and fitted as asked."""

from __future__ import annotations

import pandas as pd
import pytest

from hearten.errors import DataError
from hearten.stats.staggered import estimate, fit_staggered
from hearten.stats.staggered_spec import Comparison, Method, StaggeredSpec

COLUMNS = {"outcome": "y", "unit": "team", "time": "month", "first_treated": "adopted"}


def _panel() -> pd.DataFrame:
    rows = {
        ("a", 2): [1.0, 5.0, 6.0], ("b", 2): [2.0, 4.0, 9.0], ("c", 3): [0.0, 1.0, 6.0],
        ("d", 3): [2.0, 2.0, 5.0], ("e", 0): [1.0, 3.0, 4.0], ("f", 0): [2.0, 2.0, 2.0],
        ("g", 0): [0.0, 1.0, 3.0], ("h", 0): [4.0, 2.0, 3.0], ("i", 0): [1.0, 1.0, 0.0],
    }  # fmt: skip
    return pd.DataFrame(
        [
            {"team": u, "month": t, "y": y, "adopted": g}
            for (u, g), ys in rows.items()
            for t, y in enumerate(ys, start=1)
        ]
    )


def test_a_negative_anticipation_is_refused_when_the_spec_is_made() -> None:
    with pytest.raises(DataError, match="anticipation must be zero or a positive number"):
        StaggeredSpec(**COLUMNS, seed=1, anticipation=-1)


def test_the_columns_read_are_each_named_once_and_cluster_on_the_unit_by_default() -> None:
    spec = StaggeredSpec(**COLUMNS, seed=1, covariates=["x", "y"])  # type: ignore[arg-type]
    assert spec.covariates == ("x", "y")
    assert spec.cluster_column == "team"
    assert spec.columns == ["y", "team", "month", "adopted", "x"]
    assert spec.formula == "y~x+y"
    site = StaggeredSpec(**COLUMNS, seed=1, cluster="site")
    assert site.columns == ["y", "team", "month", "adopted", "site"]
    assert site.formula is None


def test_the_comparison_is_named_as_csdid_names_it() -> None:
    assert Comparison.NOT_YET_TREATED.control_group == "notyettreated"
    assert Comparison.NEVER_TREATED.control_group == "nevertreated"


def test_the_one_call_form_fits_every_choice_of_the_spec() -> None:
    choices = {
        "seed": 7, "comparison": Comparison.NEVER_TREATED, "method": Method.OUTCOME_REGRESSION,
        "anticipation": 1, "draws": 49, "alpha": 0.1,
    }  # fmt: skip
    spec = StaggeredSpec(**COLUMNS, **choices)  # type: ignore[arg-type]
    fit = estimate(spec, _panel())
    assert fit == fit_staggered(_panel(), **COLUMNS, **choices)  # type: ignore[arg-type]
    assert (fit.seed, fit.draws, fit.alpha, fit.anticipation) == (7, 49, 0.1, 1)
    assert (fit.comparison, fit.method) == (Comparison.NEVER_TREATED, Method.OUTCOME_REGRESSION)
    default = estimate(StaggeredSpec(**COLUMNS, seed=7), _panel())
    assert [c.att for c in default.cells] != [c.att for c in fit.cells]
