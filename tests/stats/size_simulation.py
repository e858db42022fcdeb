"""Trials with no effect and a handful of offices, analysed as Hearten does: the shared
simulation of ``test_ratio_inference_size.py`` and ``benchmarks/ratio_ri_size.py``."""

from __future__ import annotations

from typing import Literal

import numpy as np

from hearten.errors import EstimationError
from hearten.stats.counts import estimate_counts
from hearten.stats.ratio_inference import (
    count_residuals,
    cox_residuals,
    ratio_randomisation_test,
)
from hearten.stats.survival import estimate_cox


def one_trial(
    model: Literal["negbin", "cox"], G: int, rng: np.random.Generator
) -> tuple[float, float]:
    """The normal test's and the randomisation test's p-values for one null trial."""
    sizes = rng.integers(5, 16, G)
    office = np.repeat(np.arange(G), sizes)
    treated = rng.permutation(G) < G // 2
    treat = treated[office].astype(float)
    arm = np.where(treat == 1, "t", "c").tolist()
    frailty = rng.gamma(4.0, 0.25, G)[office]
    none = np.zeros(len(office), dtype=np.int64)
    if model == "negbin":
        exposure = rng.choice([0.6, 0.8, 1.0, 1.0], len(office)) * 365
        mu = exposure * 0.02 * frailty
        y = rng.negative_binomial(0.8, 0.8 / (0.8 + mu))
        fit = estimate_counts(y, arm, "c", exposure, cluster=office)
        effect = fit.effects[0]
        residuals = count_residuals(y, treat, exposure, None, none, "negbin")
        normal_p, estimate, se = effect.p_value, effect.log_rr, effect.std_error
    else:
        days = rng.exponential(365 / (0.4 * frailty))
        event = (days < 365).astype(float)
        days = np.minimum(days, 365.0)
        cox = estimate_cox(days, event, arm, "c", cluster=office)
        hazard = cox.effects[0]
        residuals = cox_residuals(days, event, treat, None, none)
        normal_p, estimate, se = hazard.p_value, hazard.log_hr, hazard.std_error
    ri = ratio_randomisation_test(residuals, treat, estimate, se, None, office, interval=False)
    return normal_p, ri.p_value


def rejection_rates(
    model: Literal["negbin", "cox"], G: int, trials: int, seed: int, alpha: float = 0.05
) -> tuple[float, float]:
    """Shares of ``trials`` null trials that the normal and randomisation tests reject."""
    rng = np.random.default_rng([seed, G, 0 if model == "negbin" else 1])
    normal, ri, done = 0, 0, 0
    while done < trials:
        try:
            p_normal, p_ri = one_trial(model, G, rng)
        except EstimationError:  # e.g. an arm with no absence at all: not analysable
            continue
        normal += p_normal <= alpha
        ri += p_ri <= alpha
        done += 1
    return normal / trials, ri / trials
