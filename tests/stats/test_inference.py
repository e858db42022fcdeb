"""Wild cluster bootstrap and randomisation inference: brute force, enumeration, peers."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hearten.errors import EstimationError
from hearten.stats.estimate import fit_ols
from hearten.stats.inference import (
    bootstrap_t_statistics,
    randomisation_inference,
    wild_cluster_bootstrap,
)
from tests.conftest import reference_package

REFERENCE = Path(__file__).parent / "reference"


def _trial(teams: int | None = None) -> tuple[pd.DataFrame, np.ndarray, list[str]]:
    d = pd.read_csv(REFERENCE / "trial_data.csv")
    if teams is not None:
        d = d[d["team"].isin(sorted(d["team"].unique())[:teams])].reset_index(drop=True)
    X = np.column_stack([np.ones(len(d)), d["treat"], d["baseline"]]).astype(float)
    return d, X, ["(Intercept)", "treat", "baseline"]


def test_fast_bootstrap_t_equals_refitting_each_bootstrap_sample() -> None:
    d, X, names = _trial()
    G = d["team"].nunique()
    V = np.random.default_rng(4).choice([-1.0, 1.0], size=(G, 50))
    fast, t_obs = bootstrap_t_statistics(d["y"], X, 1, d["team"], V, null=0.3)
    # Brute force: impose the null, rebuild y* cluster by cluster, refit with CR1.
    Xr = np.delete(X, 1, axis=1)
    y_r = d["y"].to_numpy() - 0.3 * X[:, 1]
    beta_r = np.linalg.lstsq(Xr, y_r, rcond=None)[0]
    u = y_r - Xr @ beta_r
    codes = pd.factorize(d["team"], sort=True)[0]
    for b in range(V.shape[1]):
        y_star = Xr @ beta_r + 0.3 * X[:, 1] + u * V[codes, b]
        fit = fit_ols(y_star, X, names, cluster=d["team"], vcov="CR1")
        assert fast[b] == pytest.approx((fit.coef[1] - 0.3) / fit.std_error[1], rel=1e-9)
    observed = fit_ols(d["y"], X, names, cluster=d["team"], vcov="CR1")
    assert t_obs == pytest.approx((observed.coef[1] - 0.3) / observed.std_error[1], rel=1e-12)


def test_full_enumeration_matches_wildboottest_up_to_the_two_ties() -> None:
    reference_package("wildboottest")
    import statsmodels.api as sm
    from wildboottest.wildboottest import wildboottest

    d, X, names = _trial(teams=10)
    r = wild_cluster_bootstrap(d["y"], X, names, "treat", d["team"], reps=9999)
    assert r.enumerated
    assert r.reps == 1024
    assert r.seed is None
    codes = pd.factorize(d["team"], sort=True)[0]
    with pytest.warns(UserWarning, match="full_enumeration"):
        peer = wildboottest(
            sm.OLS(d["y"], pd.DataFrame(X, columns=names)),
            param="treat",
            cluster=codes,
            B=9999,
            weights_type="rademacher",
            show=False,
        )
    # wildboottest counts strictly larger |t*|; the all-ones vector and its mirror tie.
    assert round(r.p_value * 1024) - 2 == round(float(peer["p-value"].iloc[0]) * 1024)


@pytest.mark.parametrize("weights", ["rademacher", "webb"])
def test_sampled_p_values_agree_with_wildboottest(weights: str) -> None:
    reference_package("wildboottest")
    import statsmodels.api as sm
    from wildboottest.wildboottest import wildboottest

    d, X, names = _trial()
    r = wild_cluster_bootstrap(
        d["y"], X, names, "treat", d["team"], reps=19999, seed=3, weights=weights
    )  # type: ignore[arg-type]
    codes = pd.factorize(d["team"], sort=True)[0]
    peer = wildboottest(
        sm.OLS(d["y"], pd.DataFrame(X, columns=names)),
        param="treat",
        cluster=codes,
        B=19999,
        weights_type=weights,
        seed=11,
        show=False,
    )
    # Two independent Monte Carlo estimates: their difference has SE √2 · √(p(1-p)/B).
    p = r.p_value
    assert abs(p - float(peer["p-value"].iloc[0])) < 4 * math.sqrt(2 * p * (1 - p) / 19999)


def test_sampled_p_values_converge_to_full_enumeration() -> None:
    d, X, names = _trial(teams=10)
    exact = wild_cluster_bootstrap(d["y"], X, names, "treat", d["team"], reps=9999)
    sampled = wild_cluster_bootstrap(d["y"], X, names, "treat", d["team"], reps=999, seed=5)
    assert exact.enumerated
    assert not sampled.enumerated
    se = math.sqrt(exact.p_value * (1 - exact.p_value) / 999)
    assert abs(sampled.p_value - exact.p_value) < 4 * se


def test_the_wild_interval_is_the_set_of_nulls_not_rejected() -> None:
    d, X, names = _trial()
    r = wild_cluster_bootstrap(d["y"], X, names, "treat", d["team"], reps=1999, seed=2)
    assert r.conf_low < r.estimate < r.conf_high
    for edge, inside in ((r.conf_low, 1e-3), (r.conf_high, -1e-3)):
        assert (
            wild_cluster_bootstrap(
                d["y"], X, names, "treat", d["team"], reps=1999, seed=2, null=edge + inside
            ).p_value
            >= 0.05
        )
        assert (
            wild_cluster_bootstrap(
                d["y"], X, names, "treat", d["team"], reps=1999, seed=2, null=edge - inside
            ).p_value
            <= 0.05
        )


def test_randomisation_inference_enumerates_a_small_cluster_design_exactly() -> None:
    # 8 teams in 2 strata, 2 of 4 treated in each: C(4,2)² = 36 assignments.
    rng = np.random.default_rng(9)
    team = np.repeat(np.arange(8), 3)
    stratum = (team >= 4).astype(int)
    treat_team = np.array([1, 1, 0, 0, 0, 1, 0, 1])
    t = treat_team[team].astype(float)
    x = rng.normal(size=24)
    y = 1.0 + 0.8 * t + x + rng.normal(size=24)
    r = randomisation_inference(y, t, x, stratum, team, reps=1000)
    assert r.enumerated
    assert r.reps == 36
    # Brute force over the 36 assignments with the same adjusted OLS estimate.
    names = ["(Intercept)", "t", "x", "s"]

    def estimate(assign: np.ndarray) -> float:
        X = np.column_stack([np.ones(24), assign, x, stratum])
        return float(fit_ols(y, X, names).coef[1])

    observed = estimate(t)
    stats = []
    for a in itertools.combinations(range(4), 2):
        for b in itertools.combinations(range(4, 8), 2):
            tt = np.zeros(8)
            tt[list(a) + list(b)] = 1
            stats.append(estimate(tt[team]))
    expected = np.mean(np.abs(stats) >= abs(observed) - 1e-12)
    assert r.estimate == pytest.approx(observed, rel=1e-10)
    assert r.p_value == pytest.approx(expected, rel=1e-12)


def test_draws_summed_to_teams_equal_the_per_person_regression() -> None:
    from hearten.stats.inference import _Residualised, _UnitProjection, draw_estimates
    from hearten.stats.randomised_units import RandomisedUnits, adjustment_matrix

    rng = np.random.default_rng(21)
    sizes = rng.integers(1, 30, 24)
    team = np.repeat(np.arange(24), sizes)
    stratum = (np.arange(24) % 3)[team]
    t = np.isin(np.arange(24), [0, 1, 3, 4, 6, 7, 9, 10, 12, 13, 15, 16])[team].astype(float)
    x = rng.normal(size=(len(team), 2))  # covariates that vary within teams
    y = 0.3 * t + x @ [0.5, -0.2] + rng.normal(size=len(team))
    W = adjustment_matrix(len(y), x, stratum)
    units = RandomisedUnits.of(t, team, stratum)
    people = units.draw(500, np.random.default_rng(4))
    teams = units.draw_units(500, np.random.default_rng(4))
    _, a, b = draw_estimates(y, t, W, people)
    fast = _UnitProjection.of(_Residualised.of(y, t, W), team).ab(teams)
    np.testing.assert_allclose(fast[0], a, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(fast[1], b, rtol=1e-10, atol=1e-12)


def test_randomisation_inference_is_reproducible_from_its_seed() -> None:
    d, _, _ = _trial()
    args = (d["y"], d["treat"], d["baseline"].to_numpy(), d["stratum"], d["team"])
    a = randomisation_inference(*args, reps=2000, seed=17)
    b = randomisation_inference(*args, reps=2000, seed=17)
    assert not a.enumerated
    assert a == b
    assert a.seed == 17
    assert a.conf_low < a.estimate < a.conf_high


def test_randomisation_inference_refuses_a_treatment_that_varies_within_a_cluster() -> None:
    with pytest.raises(EstimationError, match="varies within a cluster"):
        randomisation_inference([1.0, 2, 3, 4], [0, 1, 0, 1], cluster=[0, 0, 1, 1])


def test_wild_bootstrap_needs_two_clusters() -> None:
    X = np.column_stack([np.ones(4), [0, 1, 0, 1]]).astype(float)
    with pytest.raises(EstimationError, match="at least two clusters"):
        wild_cluster_bootstrap([1.0, 2, 3, 4], X, ["c", "t"], "t", ["a"] * 4)
