"""Binary outcomes: logistic odds ratios and average marginal effects."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hearten.errors import EstimationError
from hearten.stats.binary import estimate_binary

REFERENCE = Path(__file__).parent / "reference"
R_GLM_TOLERANCE = 1e-6  # as in test_counts: R's sandwich uses its last IRLS weights


def test_without_covariates_the_odds_ratio_and_risk_difference_are_the_crude_ones() -> None:
    # Control 2 of 8 left (risk 0.25, odds 1/3); letters 1 of 8 (0.125, odds 1/7).
    y = [1, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]
    fit = estimate_binary(y, ["c"] * 8 + ["t"] * 8, "c")
    e = fit.effects[0]
    assert e.odds_ratio == pytest.approx((1 / 7) / (1 / 3), rel=1e-9)
    assert e.risk_difference == pytest.approx(-0.125, rel=1e-9)
    assert fit.control_risk == 0.25


@pytest.mark.parametrize("robust", ["CL", "HC0"])
def test_logistic_matches_r_glm_with_sandwich_and_a_hand_computed_ame(robust: str) -> None:
    d = pd.read_csv(REFERENCE / "trial_data.csv").join(pd.read_csv(REFERENCE / "leavers.csv"))
    fit = estimate_binary(
        d["left"],
        np.where(d["treat"] == 1, "treat", "control").tolist(),
        "control",
        {"baseline": d["baseline"]},
        d["stratum"].tolist(),
        d["team"] if robust == "CL" else None,
    )
    ref = pd.read_csv(REFERENCE / "binary.csv")
    ref = ref[ref["case"] == f"logit_{robust}"]
    np.testing.assert_allclose(fit.coef, ref["estimate"], rtol=R_GLM_TOLERANCE)
    np.testing.assert_allclose(fit.std_error, ref["std_error"], rtol=R_GLM_TOLERANCE)
    e = fit.effects[0]
    assert e.risk_difference == pytest.approx(ref["ame"].iloc[0], rel=R_GLM_TOLERANCE)
    assert e.rd_std_error == pytest.approx(ref["ame_se"].iloc[0], rel=R_GLM_TOLERANCE)
    assert e.odds_ratio == pytest.approx(np.exp(ref["estimate"].iloc[1]), rel=R_GLM_TOLERANCE)


def test_an_arm_where_nobody_left_is_explained() -> None:
    with pytest.raises(EstimationError, match="nobody has the outcome"):
        estimate_binary([0, 0, 0, 1, 0, 1], ["t", "t", "t", "c", "c", "c"], "c")


def test_a_binary_outcome_must_be_zero_or_one() -> None:
    with pytest.raises(EstimationError, match="must be 0 or 1"):
        estimate_binary([0, 2, 1, 0], ["t", "t", "c", "c"], "c")
