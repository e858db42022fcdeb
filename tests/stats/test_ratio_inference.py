"""Randomisation inference for rate and hazard ratios with few clusters."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hearten.stats.randomised_units import label_codes
from hearten.stats.ratio_inference import (
    count_residuals,
    cox_residuals,
    ratio_randomisation_test,
)
from hearten.stats.survival import estimate_cox, martingale_residuals

REFERENCE = Path(__file__).parent / "reference"


def test_a_poisson_test_of_four_offices_worked_by_hand() -> None:
    # One person an office, equal exposure: the null model (intercept only) expects each
    # office the mean, 21/4 = 5.25 days, so the residuals are 2.75, 4.75, -2.25, -5.25.
    # Offices 0 and 1 were treated (S = 7.5); the six ways to treat two offices give
    # S* = 7.5, 0.5, -2.5, 2.5, -0.5, -7.5, so |S*| ≥ 7.5 twice: p = 2/6.
    y, t = [8.0, 10.0, 3.0, 0.0], [1.0, 1.0, 0.0, 0.0]
    exposure = [1.0, 1.0, 1.0, 1.0]
    residuals = count_residuals(y, t, exposure, None, np.zeros(4, dtype=np.int64), "poisson")
    np.testing.assert_allclose(residuals(0.0), [2.75, 4.75, -2.25, -5.25])
    test = ratio_randomisation_test(residuals, t, 0.0, 1.0, interval=False)
    assert test.enumerated
    assert test.reps == 6
    assert test.p_value == pytest.approx(2 / 6)


def test_martingale_residuals_give_the_log_rank_observed_minus_expected() -> None:
    # Without covariates, at τ0 = 0 the treated people's martingale residuals add up to the
    # log-rank statistic's O - E, worked here risk set by risk set.
    time = np.array([2.0, 3.0, 3.0, 5.0, 7.0, 8.0])
    event = np.array([1.0, 1.0, 0.0, 1.0, 1.0, 0.0])
    treat = np.array([1.0, 0.0, 1.0, 1.0, 0.0, 0.0])
    observed = 2.0  # treated who left: at days 2 and 5
    expected = 3 / 6 + 2 / 5 + 1 / 3 + 0 / 2  # treated share of each risk set at each death
    m = martingale_residuals(time, event, np.zeros(6))
    assert float(treat @ m) == pytest.approx(observed - expected)
    assert m.sum() == pytest.approx(0.0, abs=1e-12)


def test_enumerated_p_value_equals_brute_force_over_every_assignment() -> None:
    rng = np.random.default_rng(5)
    office = np.repeat(np.arange(8), 6)
    stratum = office % 2
    treat = np.isin(office, [0, 1, 2, 5]).astype(float)  # two treated in each stratum
    y = rng.poisson(3 * rng.gamma(2, 0.5, 8)[office])
    residuals = count_residuals(y, treat, np.ones(48), None, stratum, "poisson")
    r = np.bincount(office, weights=residuals(0.0))
    observed = abs(r[[0, 1, 2, 5]].sum())
    evens, odds = [0, 2, 4, 6], [1, 3, 5, 7]
    drawn = [
        abs(r[list(a) + list(b)].sum())
        for a in itertools.combinations(evens, 2)
        for b in itertools.combinations(odds, 2)
    ]
    expected = np.mean(np.array(drawn) >= observed - 1e-10)
    test = ratio_randomisation_test(residuals, treat, 0.0, 1.0, stratum, office, interval=False)
    assert (test.reps, test.p_value) == (36, pytest.approx(expected))


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "ratio_ri.csv")


@pytest.mark.parametrize("family", ["negbin", "poisson"])
def test_count_p_values_match_r_glm_residuals_over_every_assignment(
    reference: pd.DataFrame, family: str
) -> None:
    d = pd.read_csv(REFERENCE / "absence_battery.csv").query("file == 'long_spells_1'")
    strata = label_codes(d["stratum"].to_numpy(), len(d), "one")
    residuals = count_residuals(
        d["absence_days"], d["treat"], d["exposure"], d["prior"].to_numpy(), strata, family
    )
    ref = reference.query("case == @family")
    for tau0, p in zip(ref["tau0"], ref["p_value"], strict=True):
        shifted = lambda tau, at=tau0: residuals(tau + at)  # noqa: E731
        test = ratio_randomisation_test(
            shifted, d["treat"], 0.0, 1.0, d["stratum"].to_numpy(), d["office"].to_numpy(),
            reps=20_000, interval=False,
        )  # fmt: skip
        assert test.enumerated
        assert test.reps == 15876
        assert test.p_value == pytest.approx(p, abs=1e-12), tau0


def test_cox_p_values_match_r_coxph_martingale_residuals(reference: pd.DataFrame) -> None:
    t = pd.read_csv(REFERENCE / "trial_data.csv").join(pd.read_csv(REFERENCE / "leaving.csv"))
    t = t[t["stratum"].isin(sorted(t["stratum"].unique())[:2])]
    strata = label_codes(t["stratum"].to_numpy(), len(t), "one")
    residuals = cox_residuals(t["days"], t["left"], t["treat"], t["baseline"].to_numpy(), strata)
    for tau0, p in reference.query("case == 'cox'")[["tau0", "p_value"]].itertuples(index=False):
        test = ratio_randomisation_test(
            lambda tau, at=tau0: residuals(tau + at), t["treat"], 0.0, 1.0,
            t["stratum"].to_numpy(), t["team"].to_numpy(), reps=5000, interval=False,
        )  # fmt: skip
        assert test.reps == 4900
        assert test.p_value == pytest.approx(p, abs=1e-12), tau0


def test_the_interval_is_the_ratios_not_rejected_and_holds_the_estimate() -> None:
    t = pd.read_csv(REFERENCE / "trial_data.csv").join(pd.read_csv(REFERENCE / "leaving.csv"))
    arm = np.where(t["treat"] == 1, "t", "c").tolist()
    cox = estimate_cox(t["days"], t["left"], arm, "c", None, t["stratum"].tolist(), t["team"])
    effect = cox.effects[0]
    strata = label_codes(t["stratum"].to_numpy(), len(t), "one")
    residuals = cox_residuals(t["days"], t["left"], t["treat"], None, strata)
    test = ratio_randomisation_test(
        residuals, t["treat"], effect.log_hr, effect.std_error, t["stratum"].to_numpy(),
        t["team"].to_numpy(), reps=999, seed=3,
    )  # fmt: skip
    assert not test.enumerated
    assert test.seed == 3
    assert test.conf_low < effect.log_hr < test.conf_high
    outside = ratio_randomisation_test(
        lambda tau: residuals(tau + test.conf_high + 0.05), t["treat"], 0.0, 1.0,
        t["stratum"].to_numpy(), t["team"].to_numpy(), reps=999, seed=3, interval=False,
    )  # fmt: skip
    assert outside.p_value <= 0.05


def test_six_offices_cannot_reject_and_the_interval_is_unbounded() -> None:
    # Three of six offices treated: 20 assignments, so no two-sided p-value is below 0.1.
    office = np.repeat(np.arange(6), 5)
    treat = (office < 3).astype(float)
    y = np.where(treat == 1, 0, 9) + (office % 2)  # as extreme as six offices can be
    residuals = count_residuals(
        y, treat, np.ones(30), None, np.zeros(30, dtype=np.int64), "poisson"
    )
    test = ratio_randomisation_test(residuals, treat, -3.0, 0.5, None, office)
    assert test.p_value == pytest.approx(0.1)
    assert (test.conf_low, test.conf_high) == (-np.inf, np.inf)
