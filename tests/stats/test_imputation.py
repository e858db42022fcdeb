"""Multiple imputation by chained equations (by arm) and Rubin's rules, against R's mice."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hearten.errors import EstimationError
from hearten.stats.estimate import estimate_itt
from hearten.stats.imputation import estimate_itt_imputed, impute_pmm, pool_rubin

REFERENCE = Path(__file__).parent / "reference"
#: Rubin's rules are arithmetic: the same per-imputation values give mice's numbers to
#: rounding.
EXACT = 1e-10
#: A normal deviate this many standard errors out happens about once in 16,000 runs: the
#: Monte Carlo comparisons below fail by chance that rarely.
MC_Z = 4.0
#: CR2's Satterthwaite df of each imputed data set depend on its imputed baselines, slightly:
#: the mean over the imputations here and over mice's (its own draws) differ by Monte Carlo
#: error alone.
IMPUTED_DF_TOLERANCE = 0.01
#: The variance of equal estimates that differ only in their last bit (~1e-17 apart): a
#: real between-imputation variance is many orders of magnitude larger.
LAST_BIT_VARIANCE = 1e-30


def _arm(d: pd.DataFrame) -> list[str]:
    return np.where(d["treat"] == 1, "treat", "control").tolist()


def test_rubins_rules_by_hand() -> None:
    # Q = (1, 2, 3), U = (1, 1, 1): q̄ = 2, ū = 1, b = 1, t = 1 + (4/3)·1 = 7/3,
    # λ = (4/3)/(7/3) = 4/7, ν_old = 2/λ² = 49/8, ν_obs = (11/13)·10·(3/7) = 330/91.
    p = pool_rubin([1.0, 2.0, 3.0], [1.0, 1.0, 1.0], df_complete=10)
    old, obs = Fraction(49, 8), Fraction(330, 91)
    df = old * obs / (old + obs)
    assert p.estimate == pytest.approx(2.0)
    assert p.within == pytest.approx(1.0)
    assert p.between == pytest.approx(1.0)
    assert p.total == pytest.approx(7 / 3)
    assert p.std_error == pytest.approx((7 / 3) ** 0.5)
    assert p.lambda_ == pytest.approx(4 / 7)
    assert p.riv == pytest.approx(4 / 3)
    assert p.df == pytest.approx(float(df), rel=EXACT)
    assert p.fmi == pytest.approx((4 / 3 + 2 / (float(df) + 3)) / (7 / 3), rel=EXACT)
    # With no complete-data df the df are Rubin's original (m - 1)/λ².
    assert pool_rubin([1.0, 2.0, 3.0], [1.0, 1.0, 1.0]).df == pytest.approx(49 / 8)


@pytest.mark.parametrize("m", [20, 1000])
def test_rubins_rules_match_mice_pool_on_the_same_imputations(m: int) -> None:
    draws = pd.read_csv(REFERENCE / "imputation_draws.csv").head(m)
    ref = pd.read_csv(REFERENCE / "imputation.csv").set_index("m").loc[m]
    p = pool_rubin(draws["estimate"], draws["variance"], float(draws["df"].mean()))
    assert p.df_complete == pytest.approx(ref["df_complete"], rel=EXACT)
    for field, column in [
        ("estimate", "estimate"),
        ("std_error", "std_error"),
        ("df", "df"),
        ("within", "within"),
        ("between", "between"),
        ("total", "total"),
        ("riv", "riv"),
        ("lambda_", "lambda"),
        ("fmi", "fmi"),
        ("p_value", "p_value"),
        ("conf_low", "conf_low"),
        ("conf_high", "conf_high"),
    ]:
        assert getattr(p, field) == pytest.approx(ref[column], rel=EXACT), field


def _compare_with_mice(m: int) -> None:
    """Python's and mice's pooled results estimate the same quantities, each with Monte
    Carlo error: q̄ varies by about √(b/m) between runs of m imputations; b, an m - 1 df
    variance, by about b√(2/(m - 1)); ū by sd(U)/√m; so √t by about sd(t)/(2√t)."""
    d = pd.read_csv(REFERENCE / "imputation_data.csv")
    ref = pd.read_csv(REFERENCE / "imputation.csv").set_index("m").loc[1000]
    fit = estimate_itt_imputed(
        d["y"], _arm(d), "control", {"baseline": d["baseline"]}, d["stratum"].tolist(),
        d["team"], "CR2", imputations=m, seed=20,
    )  # fmt: skip
    p = fit.effects[0].pooled
    b_r, b_py = ref["between"], p.between
    sd_q = np.sqrt(b_r / 1000 + b_py / m)
    assert abs(p.estimate - ref["estimate"]) < MC_Z * sd_q
    sd_b = np.sqrt(b_r**2 * 2 / 999 + b_py**2 * 2 / (m - 1))
    assert abs(b_py - b_r) < MC_Z * sd_b
    sd_u = np.sqrt(fit.variances[:, 0].var(ddof=1) / m + ref["sd_variance"] ** 2 / 1000)
    assert abs(p.within - ref["within"]) < MC_Z * sd_u
    sd_t = np.sqrt(sd_u**2 + sd_b**2)
    assert abs(p.std_error - ref["std_error"]) < MC_Z * sd_t / (2 * ref["std_error"])
    # CR2's Satterthwaite df depend on the imputed baselines only slightly.
    assert p.df_complete == pytest.approx(ref["df_complete"], rel=IMPUTED_DF_TOLERANCE)
    assert fit.missing == {"outcome": int(d["y"].isna().sum()), "baseline": 25}


def test_imputation_by_arm_agrees_with_mice_within_monte_carlo_error() -> None:
    _compare_with_mice(100)


@pytest.mark.long
@pytest.mark.slow
def test_imputation_by_arm_agrees_with_mice_to_a_tighter_monte_carlo_error() -> None:
    _compare_with_mice(1000)


def _incomplete() -> tuple[pd.DataFrame, list[str]]:
    d = pd.read_csv(REFERENCE / "imputation_data.csv")
    frame = pd.DataFrame({"y": d["y"], "baseline": d["baseline"]})
    return frame, _arm(d)


def test_imputations_fill_only_the_gaps_with_values_observed_in_the_same_arm() -> None:
    frame, arm = _incomplete()
    got = impute_pmm(frame, arm, 5, seed=1)
    groups = np.asarray(arm)
    for done in got.completed:
        assert not done.isna().any().any()
        for column in frame:
            seen = frame[column].notna()
            np.testing.assert_array_equal(done.loc[seen, column], frame.loc[seen, column])
            for a in ("control", "treat"):
                donors = set(frame.loc[seen & (groups == a), column])
                assert set(done.loc[~seen & (groups == a), column]) <= donors
    assert got.missing == {"y": int(frame["y"].isna().sum()), "baseline": 25}


def test_a_seed_repeats_the_imputations_and_more_of_them_keep_the_first() -> None:
    frame, arm = _incomplete()
    a, b = impute_pmm(frame, arm, 3, seed=5), impute_pmm(frame, arm, 4, seed=5)
    for x, y in zip(a.completed, b.completed[:3], strict=True):
        pd.testing.assert_frame_equal(x, y)
    other = impute_pmm(frame, arm, 3, seed=6)
    assert not a.completed[0].equals(other.completed[0])


def test_imputations_differ_between_draws() -> None:
    frame, arm = _incomplete()
    got = impute_pmm(frame, arm, 10, seed=1)
    gaps = frame["y"].isna()
    imputed = np.array([done.loc[gaps, "y"].to_numpy() for done in got.completed])
    assert (imputed.std(axis=0) > 0).mean() > 0.5


def test_a_column_with_too_few_observed_values_in_an_arm_is_refused() -> None:
    frame = pd.DataFrame({"y": [1.0, np.nan, np.nan, 4.0, 5.0, 6.0], "x": [1.0, 2, 3, 4, 5, 6]})
    with pytest.raises(EstimationError, match="'y' has 1 observed value"):
        impute_pmm(frame, ["a", "a", "a", "b", "b", "b"], 5, seed=1)


def test_it_needs_two_imputations_and_a_predictor() -> None:
    frame, arm = _incomplete()
    with pytest.raises(EstimationError, match="at least 2"):
        impute_pmm(frame, arm, 1, seed=1)
    with pytest.raises(EstimationError, match="something to predict the outcome from"):
        estimate_itt_imputed(frame["y"], arm, "control", None, None, None, "HC2", 5, 1)


def test_rubins_rules_refuse_a_single_estimate() -> None:
    with pytest.raises(EstimationError, match="two or more"):
        pool_rubin([1.0], [1.0])


def test_with_nothing_missing_the_pooled_fit_is_the_complete_data_fit() -> None:
    d = pd.read_csv(REFERENCE / "trial_data.csv")
    arm = _arm(d)
    fit = estimate_itt_imputed(
        d["y"], arm, "control", {"baseline": d["baseline"]}, d["stratum"].tolist(), d["team"],
        "CR2", imputations=3, seed=1,
    )  # fmt: skip
    direct = estimate_itt(
        d["y"], arm, "control", {"baseline": d["baseline"]}, d["stratum"].tolist(), d["team"]
    ).effects[0]
    p = fit.effects[0].pooled
    # Zero up to rounding: the three fits of the same numbers may differ in the last bit
    # (OpenBLAS picks its kernels by processor and memory alignment): about 1e-34 on some
    # machines, exactly 0 on others.
    assert p.between == pytest.approx(0.0, abs=LAST_BIT_VARIANCE)
    assert p.estimate == pytest.approx(direct.estimate, rel=EXACT)
    assert p.std_error == pytest.approx(direct.std_error, rel=EXACT)
    # λ sits at mice's floor of 1e-4, so the df are Barnard–Rubin's ν_obs shrunk a hair.
    lam, com = 1e-4, direct.df
    old, obs = 2 / lam**2, (com + 1) / (com + 3) * com * (1 - lam)
    assert p.df == pytest.approx(old * obs / (old + obs), rel=EXACT)
    assert fit.missing == {"outcome": 0, "baseline": 0}


def test_an_arm_without_the_first_stratum_still_imputes() -> None:
    # In arm "a" the indicators of strata 1 and 2 add up to the intercept: mice drops one of
    # linearly dependent predictors, and so must this (a singular fit cannot draw β*).
    rng = np.random.default_rng(3)
    stratum = np.r_[np.tile([1, 2], 30), np.tile([0, 1, 2], 20)]
    frame = pd.DataFrame(
        {
            "y": rng.normal(size=120),
            "x": rng.normal(size=120),
            "s1": (stratum == 1).astype(float),
            "s2": (stratum == 2).astype(float),
        }
    )
    frame.loc[rng.random(120) < 0.3, "y"] = np.nan
    got = impute_pmm(frame, ["a"] * 60 + ["b"] * 60, 3, seed=1)
    assert all(not done.isna().any().any() for done in got.completed)


def test_many_rows_impute_quickly() -> None:
    """Matching looks only at the donors beside each prediction, not at every pair."""
    import time

    rng = np.random.default_rng(4)
    frame = pd.DataFrame({"y": rng.normal(size=20_000), "x": rng.normal(size=20_000)})
    frame.loc[rng.random(20_000) < 0.3, "y"] = np.nan
    start = time.process_time()
    impute_pmm(frame, ["a"] * 20_000, 2, seed=1)
    assert time.process_time() - start < 10  # an all-pairs distance matrix takes minutes
