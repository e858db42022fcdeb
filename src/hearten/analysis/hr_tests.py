"""Randomisation tests of absence and leaving when few units were randomised.

The count and Cox models' normal cluster-robust tests over-reject with a handful of teams or
offices; below the plan's ``analysis.hr.ri_below_clusters`` (default
:data:`hearten.stats.ratio_inference.RI_BELOW_CLUSTERS`) the report's p-values and intervals
for absence and leaving come from randomisation inference instead
(:mod:`hearten.stats.ratio_inference`), each arm against control among the units of those two
arms, re-drawn within strata as blocked randomisation draws them. The normal test's values
are kept beside them (``normal_p_value``, ``normal_conf_low``, ``normal_conf_high``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Literal, TypeVar

import numpy as np
import pandas as pd

from hearten.analysis.hr_result import HazardRatioEffect, HrInference, RateRatioEffect
from hearten.stats.inference import ResamplingTest
from hearten.stats.ratio_inference import (
    count_residuals,
    cox_residuals,
    ratio_randomisation_test,
)

#: An arm's effect on absence or on leaving.
E = TypeVar("E", RateRatioEffect, HazardRatioEffect)


def randomise_effects(
    kind: Literal["absence", "leaving"],
    data: pd.DataFrame,
    control: str,
    effects: tuple[E, ...],
    stratified: bool,
    reps: int,
    seed: int,
    alpha: float,
    family: Literal["poisson", "negbin"] = "negbin",
    test_with: Literal["ri", "wild-score"] = "ri",
) -> tuple[tuple[E, ...], HrInference | None]:
    """Each effect with its p-value and interval from randomisation inference (or, with
    ``test_with = "wild-score"``, the wild score bootstrap by randomised unit,
    :mod:`hearten.stats.score_bootstrap`), the normal test's values kept beside them (each
    effect then stores every key), and what the test was (``None`` with no effects).

    ``data`` has ``arm``, ``stratum`` and ``cluster`` columns, and ``absence_days`` and
    ``exposure`` (absence) or ``days_to_leaving`` and ``left`` (leaving).
    """
    out: list[E] = []
    about = None
    for e in effects:
        pair = data[data["arm"].isin([control, e.term])]
        treat = (pair["arm"] == e.term).to_numpy(dtype=np.float64)
        strata = pair["stratum"].astype(str).to_numpy() if stratified else None
        s_codes = (
            pd.factorize(pd.Series(strata), sort=True)[0].astype(np.int64)
            if strata is not None
            else np.zeros(len(pair), dtype=np.int64)
        )
        if kind == "absence":
            residuals = count_residuals(
                pair["absence_days"], treat, pair["exposure"], None, s_codes, family
            )
            assert isinstance(e, RateRatioEffect)
            estimate, se = e.log_rr, e.std_error
        else:
            residuals = cox_residuals(
                pair["days_to_leaving"].clip(lower=0.5), pair["left"], treat, None, s_codes
            )
            assert isinstance(e, HazardRatioEffect)
            estimate, se = e.log_hr, e.std_error
        assert se is not None  # a fitted effect's (None only in a stored run)
        if test_with == "wild-score":
            fitted = (estimate, se, reps, seed, alpha)
            test = _wild_score(kind, pair, treat, strata, family, fitted, e.term)
        else:
            test = ratio_randomisation_test(
                residuals, treat, estimate, se, strata, pair["cluster"].to_numpy(), reps, seed,
                alpha, e.term,
            )  # fmt: skip
        out.append(
            replace(
                e,
                p_value=test.p_value,
                # An unbounded end is None (stored results are JSON; the report says so).
                conf_low=_ratio(test.conf_low),
                conf_high=_ratio(test.conf_high),
                normal_p_value=e.p_value,
                normal_conf_low=e.conf_low,
                normal_conf_high=e.conf_high,
                layout=None,
            )
        )
        about = HrInference(
            method=test.method, reps=test.reps, enumerated=test.enumerated, seed=test.seed
        )
    return tuple(out), about


def _wild_score(
    kind: Literal["absence", "leaving"],
    pair: pd.DataFrame,
    treat: np.ndarray,
    strata: np.ndarray | None,
    family: Literal["poisson", "negbin"],
    fitted: tuple[float, float, int, int, float],
    term: str,
) -> ResamplingTest:
    """The wild score bootstrap of one arm against control, by randomised unit."""
    from hearten.stats.score_bootstrap import count_scores, cox_scores, wild_score_test

    if kind == "absence":
        scores = count_scores(pair["absence_days"], treat, pair["exposure"], None, strata, family)
    else:
        days = pair["days_to_leaving"].clip(lower=0.5)
        scores = cox_scores(days, pair["left"], treat, None, strata)
    estimate, se, reps, seed, alpha = fitted
    return wild_score_test(
        scores, pair["cluster"].to_numpy(), estimate, se, reps, seed, alpha, term
    )


def _ratio(log_ratio: float) -> float | None:
    return float(np.exp(log_ratio)) if np.isfinite(log_ratio) else None
