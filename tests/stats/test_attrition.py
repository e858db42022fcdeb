"""Attrition: by arm, Lee bounds (worked by hand, then their promise), and IPW."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hearten.errors import EstimationError
from hearten.stats.attrition import attrition_by_arm, ipw_itt, lee_bounds
from hearten.stats.estimate import estimate_itt

NAN = np.nan


def test_lee_bounds_worked_by_hand() -> None:
    # Treated: 4 of 5 answered (1, 2, 3, 4); control: 2 of 4 answered (2, 4).
    # Keep 4 · 0.5/0.8 = 2.5 treated answers: lowest (1 + 2 + 0.5·3)/2.5 = 1.8,
    # highest (4 + 3 + 0.5·2)/2.5 = 3.2; control mean 3. Bounds -1.2 and 0.2.
    y = [1, 2, 3, 4, NAN, 2, 4, NAN, NAN]
    t = [1, 1, 1, 1, 1, 0, 0, 0, 0]
    b = lee_bounds(y, t, reps=99, seed=1)
    assert (b.lower, b.upper) == pytest.approx((-1.2, 0.2))
    assert b.trimmed_share == pytest.approx(0.375)
    assert b.trimmed_arm == "treatment"


def test_lee_bounds_trim_the_control_arm_when_it_answered_more() -> None:
    # Control 4 of 5 (1, 2, 3, 4), treated 2 of 4 (2, 4): the mirror image of the case above.
    y = [1, 2, 3, 4, NAN, 2, 4, NAN, NAN]
    t = [0, 0, 0, 0, 0, 1, 1, 1, 1]
    b = lee_bounds(y, t, reps=99, seed=1)
    assert (b.lower, b.upper) == pytest.approx((-0.2, 1.2))
    assert b.trimmed_arm == "control"


def _monotone_attrition(seed: int, strata_matter: bool) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    n = 4000
    s = rng.integers(0, 4, n)
    t = rng.integers(0, 2, n)
    y0 = rng.normal(size=n) + (1.5 * s if strata_matter else 0.0)
    y = y0 + 0.4 * t
    # Always-respondents answer whatever the arm; others answer only if treated (monotone).
    always = rng.random(n) < 0.6 + 0.05 * s
    answers = always | ((t == 1) & (rng.random(n) < 0.5))
    return np.where(answers, y, np.nan), t, s, always


def test_lee_bounds_contain_the_effect_for_those_who_always_answer() -> None:
    y, t, s, _ = _monotone_attrition(1, strata_matter=False)
    b = lee_bounds(y, t, s, reps=199, seed=2)
    assert b.lower < 0.4 < b.upper
    assert b.conf_low < b.lower
    assert b.upper < b.conf_high


def test_strata_that_predict_the_outcome_tighten_the_bounds() -> None:
    y, t, s, _ = _monotone_attrition(3, strata_matter=True)
    pooled = lee_bounds(y, t, None, reps=99, seed=1)
    tightened = lee_bounds(y, t, s, reps=99, seed=1)
    assert tightened.upper - tightened.lower < 0.8 * (pooled.upper - pooled.lower)
    assert tightened.lower < 0.4 < tightened.upper


def test_attrition_by_arm_counts_and_tests_the_difference() -> None:
    y = [1.0, NAN, 2.0, 3.0, NAN, NAN, 1.0, 2.0]
    arm = ["c", "c", "c", "c", "t", "t", "t", "t"]
    a = attrition_by_arm(y, arm, "c")
    assert a.overall == pytest.approx(3 / 8)
    assert a.by_arm == (("c", 4, 1, 0.25), ("t", 4, 2, 0.5))
    assert a.differential[0].estimate == pytest.approx(0.25)


def test_ipw_reweights_respondents_by_their_chance_of_answering() -> None:
    rng = np.random.default_rng(4)
    n = 3000
    x = rng.normal(size=n)
    t = rng.integers(0, 2, n)
    y = x + 0.5 * t * (1 + x) + rng.normal(size=n)  # the effect grows with x
    answers = rng.random(n) < 1 / (1 + np.exp(-(0.3 + 1.5 * x * t)))  # high-x treated answer more
    y_obs = np.where(answers, y, np.nan)
    arm = np.where(t == 1, "t", "c").tolist()
    weighted = ipw_itt(y_obs, arm, "c", {"x": x})[0].estimate
    complete = (
        estimate_itt(y_obs[answers], list(np.asarray(arm)[answers]), "c", {"x": x[answers]})
        .effects[0]
        .estimate
    )
    # The true average effect is 0.5; complete cases over-count the high-x treated.
    assert abs(weighted - 0.5) < abs(complete - 0.5)
    assert abs(weighted - 0.5) < 0.12


def test_bounds_need_respondents_in_both_arms() -> None:
    with pytest.raises(EstimationError, match="nobody answered in one arm"):
        lee_bounds([1.0, 2.0, NAN, NAN], [1, 1, 0, 0], reps=99)


def test_equal_response_rates_trim_nothing() -> None:
    from hearten.stats.attrition import _trimmed_mean

    # 3 of 5 answered in each arm: the bounds collapse to the plain difference in means.
    y = [1.0, 2.0, 6.0, NAN, NAN, 2.0, 4.0, 9.0, NAN, NAN]
    t = [1, 1, 1, 1, 1, 0, 0, 0, 0, 0]
    b = lee_bounds(y, t, reps=99, seed=1)
    assert b.lower == pytest.approx(3.0 - 5.0)
    assert b.upper == pytest.approx(3.0 - 5.0)
    # A share a hair above the sample size, as rounding can give, keeps everything.
    assert _trimmed_mean(np.array([1.0, 2.0, 6.0]), 3.0000000000000004) == pytest.approx(3.0)


def test_equal_response_rates_give_equal_bounds_exactly() -> None:
    """No one is trimmed, so both bounds are the difference in means, to the last bit (the
    trimmed means summed in opposite orders once differed by one unit in the last place)."""
    rng = np.random.default_rng(0)  # a draw where the old code gave lower > upper
    y = rng.normal(20, 4, 200) / 3
    t = np.repeat([0.0, 1.0], 100)
    y[::10] = np.nan  # ten missing in each arm
    b = lee_bounds(y, t, reps=99, seed=1)
    assert b.lower == b.upper
    assert b.lower == pytest.approx(np.nanmean(y[t == 1]) - np.nanmean(y[t == 0]), abs=1e-12)


def test_the_response_model_without_covariates_is_each_cells_share() -> None:
    """IPW's one response model: the saturated logistic fit on arm-by-stratum cells equals
    each cell's share answering (checked against statsmodels' GLM on the cell dummies)."""
    import statsmodels.api as sm

    from hearten.stats.attrition import response_probability

    rng = np.random.default_rng(7)
    arm = rng.choice(["c", "t"], 200).tolist()
    site = rng.choice(["A", "B", "C"], 200).tolist()
    answered = rng.random(200) < np.where(np.asarray(arm) == "t", 0.8, 0.6)
    p = response_probability(answered, arm, site)
    cells = pd.Series([f"{a}{s}" for a, s in zip(arm, site, strict=True)])
    dummies = pd.get_dummies(cells, dtype=float).to_numpy()
    glm = sm.GLM(answered.astype(float), dummies, family=sm.families.Binomial()).fit()
    assert p == pytest.approx(np.asarray(glm.fittedvalues), rel=1e-8)  # IRLS converges to it
    share = pd.Series(answered).groupby(cells).mean()
    assert p[0] == share[cells[0]]
