"""The cluster-period means models (exchangeable, decaying, decaying with a closed cohort's
constant part): R's nlme on the same means, and the one-at-a-time exchangeable fit."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hearten.errors import DesignError
from hearten.stats.cluster_period_means import _covariance, _Means, fit_means
from hearten.stats.stepped_wedge_sim import SteppedWedgeSimulation, design_cells, fit_cells

REFERENCE = Path(__file__).parent / "reference"
#: nlme stops its quasi-Newton search at its own tolerance and our grid at steps of 1e-8;
#: the estimates and SEs agree to about 1e-8 relative, the variances to about 1e-7.
ESTIMATE_TOLERANCE = 1e-6
VARIANCE_TOLERANCE = 1e-5
#: nlme puts the decaying closed-cohort model's residual at 8e-8, we at 2e-9: both zero.
AT_ZERO = 1e-6
#: The exchangeable fit's df at the boundary (a cluster variance at zero), where both
#: searches stop a little differently, are about 2.4e-4 relative apart; inside, 1e-7.
DF_TOLERANCE = 1e-3


def reference_means() -> tuple[np.ndarray, np.ndarray]:
    d = pd.read_csv(REFERENCE / "cluster_period_means_data.csv").sort_values(["cluster", "period"])
    C, T = d["cluster"].nunique(), d["period"].nunique()
    X = np.zeros((C, T, T + 1))
    X[:, :, 0] = 1.0
    X[:, :, 1] = d["treated"].to_numpy().reshape(C, T)
    for t in range(1, T):
        X[:, t, 1 + t] = 1.0
    return X, d["ybar"].to_numpy().reshape(1, C, T)


@pytest.mark.parametrize(
    "row", pd.read_csv(REFERENCE / "cluster_period_means.csv").to_dict("records")
)
def test_each_structure_matches_nlme(row: dict[str, object]) -> None:
    X, means = reference_means()
    fit = fit_means(X, means, row["structure"])  # type: ignore[arg-type]
    assert fit.estimate[0] == pytest.approx(row["estimate"], rel=ESTIMATE_TOLERANCE)
    assert fit.std_error[0] == pytest.approx(row["std_error"], rel=ESTIMATE_TOLERANCE)
    for name in ("a", "b", "c"):
        ours, theirs = float(getattr(fit, name)[0]), float(str(row[name]))
        if theirs < AT_ZERO:
            assert ours < AT_ZERO
        else:
            assert ours == pytest.approx(theirs, rel=VARIANCE_TOLERANCE)
    if row["structure"] != "exchangeable":
        assert fit.r[0] == pytest.approx(row["r"], rel=VARIANCE_TOLERANCE)


def test_the_decaying_cohort_model_reaches_at_least_nlmes_likelihood() -> None:
    # The search covers the whole parameter box, so it cannot stop short of nlme's optimum.
    X, means = reference_means()
    ref = pd.read_csv(REFERENCE / "cluster_period_means.csv").set_index("structure")
    fit = fit_means(X, means, "decay-cohort")
    m = _Means(X, means)
    theirs = ref.loc["decay-cohort", ["a", "b", "c", "r"]].to_numpy(dtype=float)
    ours = np.array([fit.a[0], fit.b[0], fit.c[0], fit.r[0]])
    T = X.shape[1]
    dev_theirs = m.full(_covariance("decay-cohort", theirs[None, None], T))[0]
    dev_ours = m.full(_covariance("decay-cohort", ours[None, None], T))[0]
    assert dev_ours <= dev_theirs + 1e-8


def test_the_exchangeable_model_is_the_one_at_a_time_fit_df_and_all() -> None:
    s = SteppedWedgeSimulation(clusters=12, steps=4, cluster_size=10, icc2=0.1, effect=0.3)
    X = design_cells(s)
    C, T = X.shape[:2]
    rng = np.random.default_rng(1)
    means = (0.3 * X[None, :, :, 1] + rng.normal(0, 0.3, (60, C, 1))
             + rng.normal(0, 0.35, (60, C, T)))  # fmt: skip
    # With m = 1 and no within-cell part, fit_cells is the exchangeable means model.
    one = fit_cells(X, means, np.zeros(60), 1)
    many = fit_means(X, means, "exchangeable")
    assert many.estimate == pytest.approx(one.estimate, abs=1e-7)
    assert many.std_error == pytest.approx(one.std_error, rel=1e-6)
    assert many.df == pytest.approx(one.df, rel=DF_TOLERANCE)
    assert many.b == pytest.approx(one.tau2, abs=1e-6)


def test_an_unknown_structure_is_refused() -> None:
    X, means = reference_means()
    with pytest.raises(DesignError, match="unknown structure 'ar2'"):
        fit_means(X, means, "ar2")  # type: ignore[arg-type]
