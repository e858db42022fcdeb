"""Leaving as time to event: Kaplan–Meier and Cox against R's survival package."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hearten.errors import EstimationError
from hearten.stats.survival import estimate_cox, kaplan_meier

REFERENCE = Path(__file__).parent / "reference"
#: coxph and statsmodels both iterate Newton–Raphson to convergence; they agree to ~1e-10.
COXPH_TOLERANCE = 1e-6


@pytest.fixture(scope="module")
def leaving() -> pd.DataFrame:
    d = pd.read_csv(REFERENCE / "trial_data.csv").join(pd.read_csv(REFERENCE / "leaving.csv"))
    d["arm"] = np.where(d["treat"] == 1, "treat", "control")
    return d


def test_kaplan_meier_worked_by_hand() -> None:
    # Times 2, 3+, 5, 8 (3 censored): S(2) = 3/4; S(5) = 3/4 · 1/2 = 3/8; S(8) = 0.
    (curve,) = kaplan_meier([2, 3, 5, 8], [1, 0, 1, 1], ["a"] * 4, [1, 2, 4, 5, 9])
    assert curve.survival == pytest.approx((1.0, 0.75, 0.75, 0.375, 0.0))
    assert curve.median == 5.0


def test_kaplan_meier_matches_survfit(leaving: pd.DataFrame) -> None:
    curves = kaplan_meier(
        leaving["days"], leaving["left"], leaving["treat"].astype(str).tolist(), [90, 180, 270, 365]
    )
    ref = pd.read_csv(REFERENCE / "km.csv")
    for curve in curves:
        r = ref[ref["arm"] == int(curve.arm)]
        np.testing.assert_allclose(curve.survival, r["surv"], rtol=1e-12)
        np.testing.assert_allclose(curve.std_error, r["std_err"], rtol=1e-9)


@pytest.mark.parametrize("case", ["cluster", "none"])
def test_cox_matches_coxph(leaving: pd.DataFrame, case: str) -> None:
    fit = estimate_cox(
        leaving["days"],
        leaving["left"],
        leaving["arm"].tolist(),
        "control",
        {"baseline": leaving["baseline"]},
        leaving["stratum"].tolist(),
        leaving["team"] if case == "cluster" else None,
    )
    ref = pd.read_csv(REFERENCE / "survival.csv").query("case == @case")
    np.testing.assert_allclose(fit.coef, ref["estimate"], rtol=COXPH_TOLERANCE)
    np.testing.assert_allclose(fit.std_error, ref["std_error"], rtol=COXPH_TOLERANCE)
    assert fit.effects[0].hazard_ratio == pytest.approx(np.exp(ref["estimate"].iloc[0]))


@pytest.mark.parametrize(
    ("time", "event", "message"),
    [
        ([10.0, np.nan, 30.0, 40.0], [0, 1, 1, 0], "left .event = 1. but have no time"),
        ([10.0, -2.0, 30.0, 40.0], [0, 1, 1, 0], "days of 0 or more"),
        ([10.0, 20.0, 30.0, 40.0], [0, 0, 0, 0], "nobody left"),
    ],
)
def test_bad_times_and_events_are_explained(
    time: list[float], event: list[int], message: str
) -> None:
    with pytest.raises(EstimationError, match=message):
        estimate_cox(time, event, ["c", "t", "c", "t"], "c")


def test_vectorised_score_residuals_equal_statsmodels(leaving: pd.DataFrame) -> None:
    from statsmodels.duration.hazard_regression import PHReg

    from hearten.stats.survival import breslow_score_residuals

    X = np.column_stack([leaving["treat"], leaving["baseline"]]).astype(float)
    t, e = leaving["days"].to_numpy(float), leaving["left"].to_numpy(float)
    model = PHReg(t, X, status=e, ties="breslow")
    fit = model.fit()
    expected = model.score_residuals(fit.params)
    np.testing.assert_allclose(
        breslow_score_residuals(t, e, X, np.asarray(fit.params)), expected, rtol=1e-9, atol=1e-12
    )


def test_breslow_newton_equals_statsmodels_phreg(leaving: pd.DataFrame) -> None:
    from statsmodels.duration.hazard_regression import PHReg

    from hearten.stats.survival import breslow_fit

    X = np.column_stack([leaving["treat"], leaving["baseline"]]).astype(float)
    t, e = leaving["days"].to_numpy(float), leaving["left"].to_numpy(float)
    assert len(np.unique(t[e == 1])) < int(e.sum()), "the data must have tied days"
    fit = PHReg(t, X, status=e, ties="breslow").fit()
    beta, cov, loglik = breslow_fit(t, e, X)
    np.testing.assert_allclose(beta, fit.params, rtol=1e-9)
    np.testing.assert_allclose(cov, fit.cov_params(), rtol=1e-8)
    assert loglik == pytest.approx(fit.llf, rel=1e-12)


def test_an_arm_where_nobody_left_is_explained() -> None:
    from hearten.stats.survival import breslow_fit

    t = np.array([5.0, 8.0, 9.0, 12.0, 20.0, 30.0, 31.0, 40.0])
    e = np.array([1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0])
    treat = np.array([0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0])  # nobody treated left
    with pytest.raises(EstimationError, match="runs off to infinity"):
        breslow_fit(t, e, treat[:, None])
