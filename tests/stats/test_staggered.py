"""Hand-worked cases for the staggered-adoption estimator: each group-time effect is a 2 × 2
difference in differences of means, and the comparison group is the one asked for."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hearten.errors import DataError
from hearten.stats.staggered import FEW_CLUSTERS, Comparison, Method, fit_staggered
from hearten.stats.staggered_inference import (
    clustered_covariance,
    multiplier_bootstrap,
    pre_trend_test,
)

EXACT = 1e-10
"""Means of a handful of numbers: equal to rounding."""

#: The bootstrap SE is did's interquartile-range estimate over 4000 draws, whose relative
#: Monte Carlo SE is about 2%: 10% is about five of them.
BOOTSTRAP_SE_TOLERANCE = 0.1


def panel(rows: dict[tuple[str, int], list[float]]) -> pd.DataFrame:
    """``{(unit, first_treated): [y at period 1, 2, ...]}`` as a long panel."""
    out = []
    for (unit, g), ys in rows.items():
        for t, y in enumerate(ys, start=1):
            out.append({"team": unit, "month": t, "y": y, "adopted": g})
    return pd.DataFrame(out)


def fit(data: pd.DataFrame, **kw: object) -> object:
    return fit_staggered(
        data, outcome="y", unit="team", time="month", first_treated="adopted", seed=1,
        draws=99, **kw,  # type: ignore[arg-type]
    )  # fmt: skip


TWO_BY_TWO = panel(
    {
        ("a", 2): [1.0, 4.0],
        ("b", 2): [2.0, 7.0],
        ("c", 0): [1.0, 2.0],
        ("d", 0): [3.0, 3.0],
        ("e", 0): [0.0, 2.0],
        ("f", 0): [5.0, 4.0],
        ("g", 0): [1.0, 1.5],
    }
)


def test_with_two_periods_the_one_effect_is_the_two_by_two_difference_in_differences() -> None:
    result = fit(TWO_BY_TWO, comparison=Comparison.NEVER_TREATED)
    treated_change = ((4 - 1) + (7 - 2)) / 2
    comparison_change = ((2 - 1) + (3 - 3) + (2 - 0) + (4 - 5) + (1.5 - 1)) / 5
    (cell,) = result.cells  # type: ignore[attr-defined]
    assert (cell.group, cell.time, cell.pre) == (2, 2, False)
    assert cell.att == pytest.approx(treated_change - comparison_change, abs=EXACT)
    assert result.simple.overall == pytest.approx(cell.att, abs=EXACT)  # type: ignore[attr-defined]


STAGGERED = panel(
    {
        ("a", 2): [1.0, 5.0, 6.0],
        ("b", 2): [2.0, 4.0, 9.0],
        ("c", 3): [0.0, 1.0, 6.0],
        ("d", 3): [2.0, 2.0, 5.0],
        ("e", 0): [1.0, 3.0, 4.0],
        ("f", 0): [2.0, 2.0, 2.0],
        ("g", 0): [0.0, 1.0, 3.0],
        ("h", 0): [4.0, 2.0, 3.0],
        ("i", 0): [1.0, 1.0, 0.0],
    }
)


NEVER = ["e", "f", "g", "h", "i"]


def _change(units: list[str], t0: int, t1: int) -> float:
    wide = STAGGERED.pivot(index="team", columns="month", values="y")
    return float((wide.loc[units, t1] - wide.loc[units, t0]).mean())


def test_not_yet_treated_teams_join_the_comparison_until_they_adopt() -> None:
    result = fit(STAGGERED)  # not-yet-treated is the default
    cells = {(c.group, c.time): c.att for c in result.cells}  # type: ignore[attr-defined]
    # ATT(2,2): teams c, d (adopt at 3) are not yet treated at 2, so they join e to i.
    expected = _change(["a", "b"], 1, 2) - _change(["c", "d", *NEVER], 1, 2)
    assert cells[(2, 2)] == pytest.approx(expected, abs=EXACT)
    # ATT(2,3): by month 3 everyone but e to i has adopted.
    expected = _change(["a", "b"], 1, 3) - _change(NEVER, 1, 3)
    assert cells[(2, 3)] == pytest.approx(expected, abs=EXACT)
    # ATT(3,2) is a pre-period placebo, month 2 against month 1 (varying base).
    expected = _change(["c", "d"], 1, 2) - _change(NEVER, 1, 2)
    assert cells[(3, 2)] == pytest.approx(expected, abs=EXACT)
    # ATT(3,3): base month 2, compared with the never treated.
    expected = _change(["c", "d"], 2, 3) - _change(NEVER, 2, 3)
    assert cells[(3, 3)] == pytest.approx(expected, abs=EXACT)


def test_never_treated_comparison_leaves_later_adopters_out() -> None:
    result = fit(STAGGERED, comparison=Comparison.NEVER_TREATED)
    cells = {(c.group, c.time): c.att for c in result.cells}  # type: ignore[attr-defined]
    expected = _change(["a", "b"], 1, 2) - _change(NEVER, 1, 2)
    assert cells[(2, 2)] == pytest.approx(expected, abs=EXACT)


def test_the_event_study_averages_cells_by_time_since_adoption_weighted_by_group_size() -> None:
    result = fit(STAGGERED)
    cells = {(c.group, c.time): c.att for c in result.cells}  # type: ignore[attr-defined]
    dynamic = result.dynamic  # type: ignore[attr-defined]
    at = dict(zip(dynamic.labels, dynamic.estimates, strict=True))
    assert at[0] == pytest.approx((cells[(2, 2)] + cells[(3, 3)]) / 2, abs=EXACT)
    assert at[1] == pytest.approx(cells[(2, 3)], abs=EXACT)
    assert at[-1] == pytest.approx(cells[(3, 2)], abs=EXACT)


def test_a_handful_of_teams_is_reported_as_few_clusters() -> None:
    result = fit(STAGGERED)
    assert result.n_clusters == 9 < FEW_CLUSTERS  # type: ignore[attr-defined]
    assert result.few_clusters  # type: ignore[attr-defined]
    assert any("Only 9 clusters" in note for note in result.notes)  # type: ignore[attr-defined]


def test_an_unbalanced_panel_is_refused_with_the_units_named() -> None:
    broken = STAGGERED[~((STAGGERED["team"] == "c") & (STAGGERED["month"] == 2))]
    with pytest.raises(DataError, match=r"unbalanced: 1 unit\(s\) \(c\)"):
        fit(broken)


def test_too_few_never_treated_teams_point_to_the_not_yet_treated_comparison() -> None:
    few = STAGGERED[~STAGGERED["team"].isin(["h", "i"])]
    with pytest.raises(DataError, match="use the not-yet-treated comparison"):
        fit(few, comparison=Comparison.NEVER_TREATED)


def test_a_panel_where_nobody_adopts_is_refused() -> None:
    with pytest.raises(DataError, match="no unit adopts"):
        fit(STAGGERED.assign(adopted=0))


def test_the_clustered_covariance_with_one_unit_per_cluster_is_the_unit_one() -> None:
    rng = np.random.default_rng(5)
    psi = rng.normal(size=(40, 3))
    unit = clustered_covariance(psi, np.arange(40))
    np.testing.assert_allclose(unit, psi.T @ psi / 40**2)
    paired = clustered_covariance(psi, np.arange(40) // 2)
    sums = psi.reshape(20, 2, 3).sum(axis=1)
    np.testing.assert_allclose(paired, sums.T @ sums / 40**2)


def test_the_wald_test_is_refused_when_clusters_do_not_outnumber_the_cells() -> None:
    test = pre_trend_test(np.array([0.1, 0.2]), np.eye(2), n_clusters=2)
    assert test.p_value is None
    assert "too few" in test.reason
    ok = pre_trend_test(np.array([1.0, 2.0]), np.eye(2), n_clusters=10)
    assert ok.statistic == pytest.approx(5.0)
    assert ok.df == 2


def test_the_multiplier_bootstrap_se_approaches_the_analytic_one() -> None:
    rng = np.random.default_rng(11)
    psi = rng.normal(size=(400, 2)) * np.array([1.0, 3.0])
    boot = multiplier_bootstrap(psi, np.arange(400), rng=rng, draws=4000, alpha=0.05)
    analytic = np.sqrt(np.diag(clustered_covariance(psi, np.arange(400))))
    np.testing.assert_allclose(boot.ses, analytic, rtol=BOOTSTRAP_SE_TOLERANCE)
    assert 1.9 < boot.critical_value < 2.6


def test_anticipation_moves_the_base_month_back() -> None:
    result = fit(STAGGERED, comparison=Comparison.NEVER_TREATED, anticipation=1)
    cells = {(c.group, c.time): c.att for c in result.cells}  # type: ignore[attr-defined]
    # Teams adopting in month 3 may have changed in month 2, so month 1 is their base.
    expected = _change(["c", "d"], 1, 3) - _change(NEVER, 1, 3)
    assert cells[(3, 3)] == pytest.approx(expected, abs=EXACT)
    assert result.anticipation == 1  # type: ignore[attr-defined]


def test_without_covariates_every_method_is_the_difference_in_means() -> None:
    dr = fit(STAGGERED)
    for method in (Method.OUTCOME_REGRESSION, Method.INVERSE_PROBABILITY):
        other = fit(STAGGERED, method=method)
        np.testing.assert_allclose(
            [c.att for c in other.cells],  # type: ignore[attr-defined]
            [c.att for c in dr.cells],  # type: ignore[attr-defined]
            atol=EXACT,
        )


def test_the_pre_average_is_the_mean_of_the_event_study_before_adoption() -> None:
    result = fit(STAGGERED)
    dynamic = result.dynamic  # type: ignore[attr-defined]
    before = [e for t, e in zip(dynamic.labels, dynamic.estimates, strict=True) if t < 0]
    average = result.pre_average  # type: ignore[attr-defined]
    assert average.periods == len(before) == 1
    assert average.estimate == pytest.approx(np.mean(before), abs=EXACT)
    assert average.se == pytest.approx(dynamic.ses[0], abs=EXACT)
    assert 0 <= average.p_value <= 1


def test_units_treated_from_the_first_period_are_left_out_and_said_so() -> None:
    extra = panel({("z", 1): [9.0, 9.0, 9.0]})
    result = fit(pd.concat([STAGGERED, extra], ignore_index=True))
    assert result.n_units == 9  # type: ignore[attr-defined]
    assert any("first treated in period(s) 1" in n for n in result.notes)  # type: ignore[attr-defined]
    same = fit(STAGGERED)
    assert [c.att for c in result.cells] == [c.att for c in same.cells]  # type: ignore[attr-defined]
