"""ICC and R² from an earlier wave: hand-worked ANOVA, then recovery of simulated values."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hearten.errors import EstimationError
from hearten.stats.icc import estimate_icc

#: statsmodels' Nelder-Mead REML stops at its own convergence tolerance, not at the optimum
#: to rounding as the closed-form profile here does.
STATSMODELS_NM_TOLERANCE = 1e-4
#: lme4's optimiser and the reference script's root search for the profile interval stop at
#: their own tolerances, not at the optimum to rounding.
LME4_TOLERANCE = 2e-5


def test_anova_icc_and_its_interval_worked_by_hand() -> None:
    # 3 teams of 2: means 1, 3, 5; within deviations ±1 everywhere.
    y = [0.0, 2.0, 2.0, 4.0, 4.0, 6.0]
    e = estimate_icc(y, [0, 0, 1, 1, 2, 2])
    msw, msb = 6 / 3, 2 * 8 / 2  # Σ within² / (N - J); n Σ (mean - grand)² / (J - 1)
    assert e.icc_anova == pytest.approx((msb - msw) / (msb + msw))
    assert e.anova_low < e.icc_anova < e.anova_high
    assert e.reml_low < e.icc_reml < e.reml_high
    assert e.sites is None
    assert e.icc3 is None


#: One simulated sample: an ICC from 150 teams (or 60 sites) has a standard error near 0.025
#: (REML's 95% interval in the first test runs from 0.11 to 0.20, in the site test from 0.03
#: to 0.09), so an estimate is checked to about one standard error of the truth.
ICC_SAMPLING = 0.03
#: The share of the within-team variance the covariate explains, from 1500 people.
R2_WITHIN_SAMPLING = 0.05
#: The share of the between-team variance it explains rests on 150 team means whose true
#: variance (0.1) is small beside their sampling noise: this sample gives 0.61 for 0.5.
R2_BETWEEN_SAMPLING = 0.25


def test_recovers_a_simulated_icc_and_covariate_r2() -> None:
    rng = np.random.default_rng(3)
    team = np.repeat(np.arange(150), 10)
    site = team % 4
    # A baseline score x (team part variance 0.2, individual 0.8) with one slope, 0.5.
    x = rng.normal(0, np.sqrt(0.2), 150)[team] + rng.normal(0, np.sqrt(0.8), len(team))
    y = 0.5 * x + rng.normal(0, np.sqrt(0.05), 150)[team] + rng.normal(0, np.sqrt(0.5), len(team))
    # Team variance 0.25·0.2 + 0.05 = 0.1, within 0.25·0.8 + 0.5 = 0.7: ICC 0.125;
    # x explains 0.05/0.1 between teams and 0.2/0.7 within.
    e = estimate_icc(y, team, site, x)
    assert e.icc_reml == pytest.approx(0.125, abs=ICC_SAMPLING)
    assert e.anova_low < 0.125 < e.anova_high
    assert e.reml_low < 0.125 < e.reml_high
    assert e.r2_1 == pytest.approx(0.2 / 0.7, abs=R2_WITHIN_SAMPLING)
    assert e.r2_2 == pytest.approx(0.5, abs=R2_BETWEEN_SAMPLING)
    assert (e.teams, e.people) == (150, 1500)


def test_too_few_teams_is_refused() -> None:
    with pytest.raises(EstimationError, match="at least 3 teams"):
        estimate_icc([1.0, 2.0, 3.0, 4.0], [0, 0, 1, 1])


def test_reml_equals_a_converged_statsmodels_fit() -> None:
    import pandas as pd
    import statsmodels.formula.api as smf

    rng = np.random.default_rng(3)
    team = np.repeat(np.arange(40), rng.integers(4, 15, 40))
    y = rng.normal(0, 0.4, 40)[team] + rng.normal(size=len(team))
    e = estimate_icc(y, team)
    fit = smf.mixedlm("y ~ 1", pd.DataFrame({"y": y, "team": team}), groups="team").fit(
        reml=True, method="nm", maxiter=20000
    )
    tau2, sigma2 = float(fit.cov_re.iloc[0, 0]), float(fit.scale)
    assert e.icc_reml == pytest.approx(tau2 / (tau2 + sigma2), rel=STATSMODELS_NM_TOLERANCE)


def test_a_team_in_two_sites_is_refused() -> None:
    with pytest.raises(EstimationError, match="more than one site"):
        estimate_icc([1.0, 2, 3, 4, 5, 6], [0, 0, 1, 1, 2, 2], ["a", "b", "a", "a", "b", "b"])


def test_iccs_intervals_and_r2_match_lme4() -> None:
    import pandas as pd

    REFERENCE = Path(__file__).parent / "reference"
    d = pd.read_csv(REFERENCE / "icc_survey.csv")
    ref = pd.read_csv(REFERENCE / "icc.csv").set_index("quantity")["value"]
    e = estimate_icc(d["y"], d["team"], d["site"], d["x"])
    assert e.sites == 16
    for name in ref.index:
        assert getattr(e, name) == pytest.approx(ref[name], abs=LME4_TOLERANCE), name


def test_the_site_icc_interval_covers_the_truth_and_narrows_with_sites() -> None:
    rng = np.random.default_rng(8)

    def survey(K: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        team = np.repeat(np.arange(K * 10), 8)
        site = team // 10
        y = (
            rng.normal(0, np.sqrt(0.05), K)[site]
            + rng.normal(0, np.sqrt(0.1), K * 10)[team]
            + rng.normal(0, np.sqrt(0.85), len(team))
        )
        return y, team, site

    few, many = estimate_icc(*survey(6)), estimate_icc(*survey(60))
    assert many.icc3 == pytest.approx(0.05, abs=ICC_SAMPLING)
    assert many.icc3_low < 0.05 < many.icc3_high
    assert many.icc2_total == pytest.approx(0.1, abs=ICC_SAMPLING)
    width = [e.icc3_high - e.icc3_low for e in (few, many)]
    assert width[1] < width[0] / 2


@pytest.mark.parametrize("case", ["awards", "few_teams"])
def test_team_icc_within_sites_matches_lme4_with_site_fixed_effects(case: str) -> None:
    # Few teams a site: the Achievement Awards schools (about two a matched pair), where
    # centring within sites with one intercept gave 0.083 for lme4's 0.146, and a simulated
    # survey of 30 sites with 2 or 3 teams each.
    import pandas as pd

    REFERENCE = Path(__file__).parent / "reference"
    ref = pd.read_csv(REFERENCE / "icc_sites.csv").query("case == @case")
    ref = ref.set_index("quantity")["value"]
    if case == "awards":
        d = pd.read_csv(REFERENCE / "icc_awards.csv")
        e = estimate_icc(d["lagscore"], d["school_id"], d["pair"])
        assert (e.sites, e.teams) == (19, 39)  # the 2001 cohort
    else:
        d = pd.read_csv(REFERENCE / "icc_few_teams.csv")
        e = estimate_icc(d["y"], d["team"], d["site"], d["x"])
    for name in ref.index:
        # ICCs and R² to 2e-5 (lme4's optimiser tolerance); a variance in its own units to 1e-6.
        assert getattr(e, name) == pytest.approx(ref[name], abs=2e-5, rel=1e-6), name


def test_a_team_icc_within_sites_needs_more_teams_than_sites() -> None:
    with pytest.raises(EstimationError, match="at least two more teams than sites"):
        estimate_icc([1.0, 2, 3, 4, 5, 6, 7, 8], [0, 0, 1, 1, 2, 2, 3, 3], [0, 0, 1, 1, 2, 2, 2, 2])


def test_a_negative_r2_is_reported_as_zero_and_said_so() -> None:
    # A covariate unrelated to the outcome, 8 teams: by chance the between-team variance
    # comes out larger with it than without (R² -0.041).
    rng = np.random.default_rng(2)
    team = np.repeat(np.arange(8), 6)
    y = rng.normal(0, 0.5, 8)[team] + rng.normal(size=48)
    e = estimate_icc(y, team, None, rng.normal(size=48))
    assert e.r2_2 == 0.0
    (note,) = e.notes
    assert "R² between teams came out negative (-0.041" in note
    assert "reported as 0" in note
