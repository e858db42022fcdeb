"""Sickness absence as counts: Poisson and negative binomial with exposure."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hearten.errors import EstimationError
from hearten.stats.counts import estimate_counts

REFERENCE = Path(__file__).parent / "reference"
#: R's glm keeps the working weights of its last IRLS step, one update behind the final
#: coefficients, which moves its sandwich by a few parts in 10⁷.
R_GLM_TOLERANCE = 1e-6


def test_poisson_rate_ratio_is_the_ratio_of_crude_rates_worked_by_hand() -> None:
    # Control: 3 + 5 days over 100 + 100 FTE-days; letters: 2 + 2 over 100 + 150.
    # Rate ratio = (4/250) / (8/200) = 0.4.
    fit = estimate_counts(
        [3, 5, 2, 2], ["c", "c", "t", "t"], "c", [100, 100, 100, 150], family="poisson"
    )
    assert fit.effects[0].rate_ratio == pytest.approx(0.4, rel=1e-10)


@pytest.fixture(scope="module")
def absence() -> pd.DataFrame:
    d = pd.read_csv(REFERENCE / "trial_data.csv")
    return d.join(pd.read_csv(REFERENCE / "absence.csv"))


@pytest.mark.parametrize("case", ["poisson_CL", "poisson_HC0", "negbin_CL", "negbin_HC0"])
def test_counts_match_mass_glm_nb_and_sandwich_vcovcl(absence: pd.DataFrame, case: str) -> None:
    family, robust = case.split("_")
    fit = estimate_counts(
        absence["absence_days"],
        np.where(absence["treat"] == 1, "treat", "control").tolist(),
        "control",
        absence["exposure"],
        {"baseline": absence["baseline"]},
        absence["stratum"].tolist(),
        absence["team"] if robust == "CL" else None,
        family,  # type: ignore[arg-type]
    )
    ref = pd.read_csv(REFERENCE / "counts.csv").query("case == @case")
    np.testing.assert_allclose(fit.coef, ref["estimate"], rtol=R_GLM_TOLERANCE)
    np.testing.assert_allclose(fit.std_error, ref["std_error"], rtol=R_GLM_TOLERANCE)
    effect = fit.effects[0]
    assert effect.p_value == pytest.approx(ref["p_value"].iloc[1], rel=1e-5)
    assert effect.rate_ratio == pytest.approx(np.exp(ref["estimate"].iloc[1]), rel=1e-6)
    if family == "negbin":
        assert fit.theta == pytest.approx(ref["theta"].iloc[0], rel=1e-6)


def test_diagnostics_flag_over_dispersion_and_excess_zeros(absence: pd.DataFrame) -> None:
    arm = np.where(absence["treat"] == 1, "treat", "control").tolist()
    poisson = estimate_counts(
        absence["absence_days"], arm, "control", absence["exposure"], family="poisson"
    )
    negbin = estimate_counts(absence["absence_days"], arm, "control", absence["exposure"])
    assert poisson.pearson_dispersion > 3  # the data are negative binomial
    # Poisson expects far fewer zeros than there are; the negative binomial about as many.
    assert poisson.zeros_expected < 0.5 * poisson.zeros_observed
    assert negbin.zeros_expected == pytest.approx(negbin.zeros_observed, rel=0.25)


@pytest.mark.parametrize(
    ("counts", "exposure", "message"),
    [
        ([1, 2, 3, 4], [10, -1, 10, 10], "exposure must be positive"),
        ([1, 2.5, 3, 4], [10, 10, 10, 10], "whole numbers of 0 or more"),
    ],
)
def test_bad_counts_are_refused(counts: list[float], exposure: list[float], message: str) -> None:
    with pytest.raises(EstimationError, match=message):
        estimate_counts(counts, ["c", "t", "c", "t"], "c", exposure)
