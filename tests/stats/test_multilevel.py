"""The multilevel-model estimate: random team intercepts, fixed strata, as lme4 + lmerTest."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hearten.errors import EstimationError
from hearten.stats.estimate import design_matrix, treatment_columns
from hearten.stats.multilevel import fit_random_intercepts

REFERENCE = Path(__file__).parent / "reference"
#: lme4's optimiser (bobyqa at the script's tolerances) against a bounded scalar search here:
#: estimates and SEs agree to about 1e-6; the df, from numerical second derivatives on both
#: sides, to about 1e-4.
LME4_TOLERANCE = 1e-5
DF_TOLERANCE = 1e-3


@pytest.mark.parametrize("case", ["ancova", "unadjusted"])
def test_random_intercepts_match_lmer_with_satterthwaite_df(case: str) -> None:
    d = pd.read_csv(REFERENCE / "trial_data.csv")
    treat = treatment_columns(np.where(d["treat"] == 1, "treat", "c").tolist(), "c")
    covariates = {"baseline": d["baseline"]} if case == "ancova" else None
    X, names = design_matrix(len(d), treat, covariates, d["stratum"].tolist())
    fit = fit_random_intercepts(d["y"], X, names, d["team"])
    ref = pd.read_csv(REFERENCE / "multilevel.csv").query("case == @case")
    np.testing.assert_allclose(fit.coef, ref["estimate"], rtol=LME4_TOLERANCE)
    np.testing.assert_allclose(fit.std_error, ref["std_error"], rtol=LME4_TOLERANCE)
    np.testing.assert_allclose(fit.df, ref["df"], rtol=DF_TOLERANCE)
    np.testing.assert_allclose(fit.p_value, ref["p_value"], rtol=DF_TOLERANCE, atol=1e-12)
    assert fit.tau2 == pytest.approx(ref["tau2"].iloc[0], rel=LME4_TOLERANCE)
    assert fit.sigma2 == pytest.approx(ref["sigma2"].iloc[0], rel=LME4_TOLERANCE)


def test_no_team_variance_is_said_rather_than_given_a_df() -> None:
    rng = np.random.default_rng(1)
    team = np.repeat(np.arange(10), 5)
    y = rng.normal(size=50)  # no clustering at all: τ² estimated at 0 here
    X = np.column_stack([np.ones(50), (team < 5).astype(float)])
    with pytest.raises(EstimationError, match="team variance is estimated at zero"):
        fit_random_intercepts(y - np.bincount(team, y)[team] / 5, X, ["(Intercept)", "t"], team)
