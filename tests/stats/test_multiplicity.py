"""Holm, Benjamini–Hochberg and the Westfall–Young step-down."""

from __future__ import annotations

import numpy as np
import pytest

from hearten.errors import EstimationError
from hearten.stats.inference import randomisation_inference
from hearten.stats.multiplicity import adjust_p_values, westfall_young


def test_holm_worked_by_hand() -> None:
    # Sorted 0.01, 0.02, 0.04 times 3, 2, 1, then made non-decreasing: 0.03, 0.04, 0.04.
    r = adjust_p_values(["a", "b", "c"], [0.04, 0.01, 0.02], "holm")
    assert r.adjusted == pytest.approx((0.04, 0.03, 0.04))


def test_benjamini_hochberg_worked_by_hand() -> None:
    # p·m/rank: 0.01·3/1 = 0.03, 0.02·3/2 = 0.03, 0.04·3/3 = 0.04.
    r = adjust_p_values(["a", "b", "c"], [0.04, 0.01, 0.02], "bh")
    assert r.adjusted == pytest.approx((0.04, 0.03, 0.03))


def _family(seed: int, effect: float, rho: float) -> dict:
    rng = np.random.default_rng(seed)
    team = np.repeat(np.arange(24), 8)
    stratum = team % 3
    treat = np.zeros(24)
    for s in range(3):
        treat[rng.permutation(np.flatnonzero(np.arange(24) % 3 == s))[:4]] = 1
    t = treat[team]
    common = rng.normal(size=len(t))
    outcomes = {
        f"y{m}": effect * t + np.sqrt(rho) * common + np.sqrt(1 - rho) * rng.normal(size=len(t))
        for m in range(3)
    }
    outcomes["y1"][::7] = np.nan  # outcomes can have their own missing answers
    return {"outcomes": outcomes, "treat": t, "strata": stratum, "cluster": team}


def test_westfall_young_raw_p_values_are_the_randomisation_p_values() -> None:
    fam = _family(1, 0.4, 0.5)
    r = westfall_young(**fam, reps=2000, seed=3)
    for name, p in zip(r.outcomes, r.p_values, strict=True):
        y = fam["outcomes"][name]
        rows = np.isfinite(y)
        single = randomisation_inference(
            y[rows],
            fam["treat"][rows],
            None,
            fam["strata"][rows],
            fam["cluster"][rows],
            reps=2000,
            seed=3,
        )
        if name != "y1":  # the same draws only where no rows are missing
            assert p == pytest.approx(single.p_value)


def test_westfall_young_beats_holm_when_outcomes_are_correlated() -> None:
    r = westfall_young(**_family(2, 0.35, 0.95), reps=3000, seed=4)
    holm = adjust_p_values(r.outcomes, r.p_values, "holm")
    for raw, adj in zip(r.p_values, r.adjusted, strict=True):
        assert raw <= adj + 1e-12
    # Nearly identical outcomes are nearly one test: the step-down gains on Holm.
    best = int(np.argmin(r.p_values))
    assert r.adjusted[best] < holm.adjusted[best]
    assert r.method == "westfall-young"
    assert r.seed == 4


#: Bounds on rejections in 150 null families at 10% (15 expected): 3 binomial SDs below,
#: 4 above (the seeds are fixed, so the test is deterministic).
FWER_LOW, FWER_HIGH = 4, 29


def test_westfall_young_holds_the_family_wise_error_rate_under_the_null() -> None:
    rejections = 0
    trials = 150
    for s in range(trials):
        r = westfall_young(**_family(100 + s, 0.0, 0.6), reps=199, seed=s)
        rejections += min(r.adjusted) <= 0.10
    # Family-wise error at 10%: 15 expected of 150 (binomial SD 3.7). Not above nominal: 4
    # SDs above is 29. Not far below it either (a procedure that never rejects would pass the
    # upper bound alone): 3 SDs below is 4. These seeds give 23.
    assert FWER_LOW <= rejections <= FWER_HIGH


def test_a_family_needs_two_outcomes() -> None:
    with pytest.raises(EstimationError, match="at least two outcomes"):
        westfall_young({"y": np.ones(4)}, [0, 1, 0, 1])
