"""Re-randomisation for balance (Morgan and Rubin 2012).

Blocked draws (``hearten.stats.randomise``) are repeated until the Mahalanobis distance
between the arms' covariate means,
``M = (n_T n_C / n) (x̄_T - x̄_C)' S⁻¹ (x̄_T - x̄_C)`` with ``S`` the units' sample covariance,
is at most a threshold ``a``. Given an acceptance probability ``p_a``, ``a`` is the
``p_a`` quantile of ``χ²_K`` (``K`` covariates), M's distribution under complete
randomisation in large samples; the acceptance rate actually achieved is estimated from the
draws made. Two arms only: ``M`` is defined for one contrast.

**Inference must follow the same rule**: a randomisation test that re-draws without the
criterion would use the wrong null distribution (too wide, so conservative). The re-draws
(``hearten.stats.randomise.redraws`` with :func:`acceptance`) are accepted draws of the same
rule, from the same seed.

**Probabilities.** With a 1:1 ratio, ``M`` is unchanged when the arms' labels are swapped
and blocked draws are symmetric, so each unit's probability of either arm is exactly one
half. With unequal arms it depends on the unit's covariates, and is estimated from
``PROBABILITY_DRAWS`` re-draws (randomizr's approach), with the Monte-Carlo error stated.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import special

from hearten.errors import DesignError
from hearten.stats.randomise import (
    Acceptance,
    Assignment,
    Rule,
    assign,
    blocked_draw,
    check_seed,
    make_rule,
    redraws,
)

#: Re-draws used to estimate unit probabilities when they are not exactly known.
PROBABILITY_DRAWS = 2000
#: Draws used to estimate the acceptance rate.
RATE_DRAWS = 2000


@dataclass(frozen=True, slots=True)
class Rerandomisation:
    """A re-randomised allocation and its criterion.

    Attributes:
        assignment: the accepted allocation.
        covariates: the names of the covariates balanced on.
        acceptance: the acceptance probability asked for (``p_a``).
        threshold: the largest Mahalanobis distance accepted.
        distance: the accepted allocation's distance.
        acceptance_rate: the share of blocked draws accepted, estimated from ``rate_draws``
            draws of the seed's re-draw stream, with its Monte-Carlo SE.
        probabilities_exact: ``False`` when probabilities were estimated by simulation;
            ``probability_mcse`` is then their largest Monte-Carlo SE.
    """

    assignment: Assignment
    covariates: tuple[str, ...]
    acceptance: float
    threshold: float
    distance: float
    acceptance_rate: float
    acceptance_rate_mcse: float
    rate_draws: int
    probabilities_exact: bool
    probability_mcse: float


def mahalanobis(
    X: NDArray[np.float64], treated: NDArray[np.bool_], S_inv: NDArray[np.float64] | None = None
) -> float:
    """Morgan and Rubin's ``M`` for the split ``treated`` of the rows of ``X``."""
    n, n_t = len(X), int(treated.sum())
    n_c = n - n_t
    if n_t == 0 or n_c == 0:
        return math.inf
    if S_inv is None:
        S_inv = np.linalg.inv(np.atleast_2d(np.cov(X, rowvar=False)))
    diff = X[treated].mean(axis=0) - X[~treated].mean(axis=0)
    return float(n_t * n_c / n * diff @ S_inv @ diff)


def acceptance(rule: Rule) -> Acceptance:
    """The criterion of a re-randomisation rule: ``M ≤ threshold`` (arm 1 against arm 0)."""
    if rule.covariates is None or rule.threshold is None:
        raise DesignError("this rule has no balance criterion")
    X = np.asarray(rule.covariates, dtype=np.float64)
    S_inv = np.linalg.inv(np.atleast_2d(np.cov(X, rowvar=False)))
    limit = rule.threshold

    def accept(arms: NDArray[np.int64]) -> bool:
        return mahalanobis(X, arms == 1, S_inv) <= limit

    return accept


def rerandomise(
    units: Sequence[str],
    strata: Sequence[str] | None,
    arm_names: Sequence[str],
    ratio: Sequence[int],
    covariates: Sequence[Sequence[float]],
    names: Sequence[str],
    seed: int,
    acceptance_probability: float = 0.1,
) -> Rerandomisation:
    """Blocked (or complete) randomisation, re-drawn until the arms balance on ``covariates``
    (one row per unit; module docstring)."""
    check_seed(seed)
    if len(arm_names) != 2:
        raise DesignError("re-randomisation balances two arms: give exactly two")
    if not 0.0 < acceptance_probability < 1.0:
        raise DesignError(
            f"the acceptance probability must be between 0 and 1, not {acceptance_probability}"
        )
    X = np.asarray(covariates, dtype=np.float64).reshape(len(units), -1)
    if not np.all(np.isfinite(X)):
        raise DesignError("a covariate to balance on is missing for some units: fill it in")
    if len(names) != X.shape[1]:
        raise DesignError("give one name per covariate")
    if len(units) <= X.shape[1] + 1:
        raise DesignError(f"{len(units)} units are too few to balance {X.shape[1]} covariates")
    S = np.atleast_2d(np.cov(X, rowvar=False))
    if np.linalg.matrix_rank(S) < X.shape[1]:
        raise DesignError(
            "the covariates to balance on are constant or collinear: drop one of "
            + ", ".join(names)
        )
    # chi2.ppf(p, k), as scipy.special's inverse of the upper tail (no scipy.stats import)
    threshold = float(special.chdtri(X.shape[1], 1.0 - acceptance_probability))
    rule = make_rule(units, strata, arm_names, ratio, X.tolist(), threshold)
    accept = acceptance(rule)
    exact = rule.ratio[0] == rule.ratio[1]
    probs: NDArray[np.float64] | None = None
    mcse = 0.0
    if not exact:
        draws = redraws(rule, seed, PROBABILITY_DRAWS, accept)
        probs = np.stack([(draws == k).mean(axis=0) for k in range(2)], axis=1)
        mcse = float(np.sqrt(probs * (1 - probs) / PROBABILITY_DRAWS).max())
    assignment = assign(rule, seed, "rerandomised", accept, probs)
    rate, rate_se = acceptance_rate(rule, seed)
    Xc = np.asarray(rule.covariates, dtype=np.float64)
    treated = np.asarray(assignment.arms) == rule.arm_names[1]
    return Rerandomisation(
        assignment=assignment,
        covariates=tuple(names),
        acceptance=acceptance_probability,
        threshold=threshold,
        distance=mahalanobis(Xc, treated),
        acceptance_rate=rate,
        acceptance_rate_mcse=rate_se,
        rate_draws=RATE_DRAWS,
        probabilities_exact=exact,
        probability_mcse=mcse,
    )


def acceptance_rate(rule: Rule, seed: int, draws: int = RATE_DRAWS) -> tuple[float, float]:
    """The share of blocked draws the rule accepts, and its Monte-Carlo SE, from a stream of
    its own (``SeedSequence([seed, 2])``) so that it is reproducible."""
    accept = acceptance(rule)
    bits = np.random.PCG64(np.random.SeedSequence([seed, 2]))
    hits = sum(accept(blocked_draw(rule, bits)) for _ in range(draws))
    rate = hits / draws
    return rate, math.sqrt(rate * (1 - rate) / draws)
