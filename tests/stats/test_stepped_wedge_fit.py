"""The stepped-wedge analysis model, checked against lme4 and lmerTest."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from hearten.errors import DataError
from hearten.stats.stepped_wedge_fit import cr2_stepped_wedge, fit_stepped_wedge

REFERENCE = Path(__file__).parent / "reference"
#: lme4 (bobyqa at the script's xtol_abs 1e-12) and the bounded search here (xatol 1e-10 in
#: log λ) each stop near, not at, the REML optimum, and a search that stops within ε of the
#: least deviance fixes a variance component only to about √ε: τ² agrees least (about 3e-8
#: relative on these data), the SE and σ² that follow from it a little better.
LME4_VARIANCE_TOLERANCE = 1e-4
LME4_SE_TOLERANCE = 1e-5
#: lmerTest's Satterthwaite df differentiate the deviance numerically (numDeriv), as the
#: central differences here do, with different steps: about 2e-7 relative apart here.
LMER_DF_TOLERANCE = 1e-3
#: The p-value and the interval's ends carry the estimate's, SE's and df's differences.
LMER_P_TOLERANCE = 1e-5
LMER_CI_TOLERANCE = 1e-4
#: A normal deviate four Monte Carlo standard errors out happens about once in 16,000 runs: the
#: simulation check below fails by chance that rarely.
MC_SDS = 4


def test_the_effect_matches_lmer_with_period_fixed_effects_and_cluster_intercepts() -> None:
    d = pd.read_csv(REFERENCE / "stepped_wedge_data.csv")
    ref = pd.read_csv(REFERENCE / "stepped_wedge_fit.csv").set_index("method").loc["lmer"]
    fit = fit_stepped_wedge(d["y"], d["cluster"], d["period"], d["treated"])
    assert (fit.clusters, fit.periods, fit.n) == (12, 5, 480)
    assert fit.estimate == pytest.approx(ref["estimate"], abs=1e-6)
    assert fit.std_error == pytest.approx(ref["std_error"], rel=LME4_SE_TOLERANCE)
    assert fit.df == pytest.approx(ref["df"], rel=LMER_DF_TOLERANCE)
    assert fit.p_value == pytest.approx(ref["p_value"], abs=LMER_P_TOLERANCE)
    assert fit.conf_low == pytest.approx(ref["conf_low"], abs=LMER_CI_TOLERANCE)
    assert fit.conf_high == pytest.approx(ref["conf_high"], abs=LMER_CI_TOLERANCE)
    assert fit.tau2 == pytest.approx(ref["tau2"], rel=LME4_VARIANCE_TOLERANCE)
    assert fit.sigma2 == pytest.approx(ref["sigma2"], rel=LME4_SE_TOLERANCE)


def test_the_robust_alternative_matches_lm_robust_cr2_with_period_fixed_effects() -> None:
    d = pd.read_csv(REFERENCE / "stepped_wedge_data.csv")
    ref = pd.read_csv(REFERENCE / "stepped_wedge_fit.csv").set_index("method").loc["cr2"]
    e = cr2_stepped_wedge(d["y"], d["cluster"], d["period"], d["treated"])
    assert (e.vcov_type, e.n_clusters) == ("CR2", 12)
    for field in ("estimate", "std_error", "df", "p_value", "conf_low", "conf_high"):
        assert getattr(e, field) == pytest.approx(ref[field], rel=1e-6), field


def test_data_with_no_period_mixing_the_conditions_are_refused() -> None:
    d = pd.read_csv(REFERENCE / "stepped_wedge_data.csv")
    with pytest.raises(DataError, match="no period has clusters in both conditions"):
        fit_stepped_wedge(d["y"], d["cluster"], d["period"], (d["period"] > 2).astype(int))
    with pytest.raises(DataError, match="must be 0"):
        fit_stepped_wedge(d["y"], d["cluster"], d["period"], d["treated"] * 2)


def test_the_closed_form_power_matches_simulated_trials_analysed_as_planned() -> None:
    # 12 teams in 4 sequences, 10 people per team-period, ICC 0.1, a period trend, 0.25 SD:
    # the share of simulated trials whose planned analysis rejects is the closed-form power
    # within four Monte Carlo standard errors.
    import numpy as np

    from hearten.stats.stepped_wedge import SteppedWedgeDesign, solve_power

    expected = solve_power(SteppedWedgeDesign((3, 3, 3, 3), 10, 0.1), 0.25).power
    rng = np.random.default_rng(2501)
    team = np.repeat(np.arange(12), 50)
    period = np.tile(np.repeat(np.arange(5), 10), 12)
    treated = (period >= np.repeat(np.arange(12) % 4 + 1, 50)).astype(float)
    reps, rejected = 500, 0
    for _ in range(reps):
        noise = rng.normal(0, np.sqrt(0.1), 12)[team] + rng.normal(0, np.sqrt(0.9), team.size)
        y = 0.1 * period + 0.25 * treated + noise
        rejected += fit_stepped_wedge(y, team, period, treated).p_value < 0.05
    mcse = np.sqrt(expected * (1 - expected) / reps)
    assert rejected / reps == pytest.approx(expected, abs=MC_SDS * mcse)
