"""Size of the wild score bootstrap with 6, 8 and 12 offices.

The same null trials as ``test_ratio_inference_size.py`` (offices of 5 to 15 people, half of
them treated, a gamma frailty per office; negative binomial absence with varying exposure, or
exponential times to leaving censored at a year), 300 per case from a fixed seed, each tested
by :func:`hearten.stats.score_bootstrap.wild_score_test` with every sign vector. Unlike the
randomisation test it is not exact, so the bound is the nominal 5% plus three Monte Carlo
standard errors (1.3 percentage points each): a test that over-rejected as the normal one
does (15% and more at these sizes) fails it.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from numpy.typing import NDArray

from hearten.errors import EstimationError
from hearten.stats.score_bootstrap import count_scores, cox_scores, wild_score_test

pytestmark = pytest.mark.slow

TRIALS = 300
ALPHA = 0.05
MC_SE = math.sqrt(ALPHA * (1 - ALPHA) / TRIALS)


def _null_trial(
    model: str, G: int, rng: np.random.Generator
) -> tuple[Callable[[float], NDArray[np.float64]], NDArray[np.int64]]:
    office = np.repeat(np.arange(G), rng.integers(5, 16, G))
    treat = (rng.permutation(G) < G // 2)[office].astype(float)
    frailty = rng.gamma(4.0, 0.25, G)[office]
    if model == "negbin":
        exposure = rng.choice([0.6, 0.8, 1.0, 1.0], len(office)) * 365
        mu = exposure * 0.02 * frailty
        y = rng.negative_binomial(0.8, 0.8 / (0.8 + mu))
        if not (y[treat == 1].any() and y[treat == 0].any()):
            raise EstimationError("an arm with no absence: not analysable")
        return count_scores(y, treat, exposure, None, None, "negbin"), office
    days = rng.exponential(365 / (0.4 * frailty))
    event = (days < 365).astype(float)
    return cox_scores(np.minimum(days, 365.0), event, treat, None, None), office


@pytest.mark.parametrize("offices", [6, 8, 12])
@pytest.mark.parametrize("model", ["negbin", "cox"])
def test_the_wild_score_bootstrap_holds_its_size_with_few_offices(model: str, offices: int) -> None:
    rng = np.random.default_rng([20261130, offices, 7])
    rejected = done = 0
    while done < TRIALS:
        try:
            scores, office = _null_trial(model, offices, rng)
        except EstimationError:
            continue
        rejected += wild_score_test(scores, office, 0.0, 1.0, interval=False).p_value <= ALPHA
        done += 1
    assert rejected / TRIALS <= ALPHA + 3 * MC_SE
