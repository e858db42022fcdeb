"""Randomisation inference for rate and hazard ratios: absence counts and leaving, few clusters.

With a handful of randomised teams or offices, the normal tests of the count and Cox models
(cluster-robust sandwich with the ``G/(G-1)`` factor) reject a true null far more often than
they should: the sandwich is biased down and its normal reference ignores how few clusters
carry it. A randomisation test holds its size whatever the number of clusters, because its
reference distribution is the trial's own design (Gail et al. 1996; Braun and Feng 2001):

1. Under the hypothesis that treatment multiplies the rate (or hazard) by ``e^τ0``, fit the
   model *without* the treatment term, with ``τ0 T`` in the offset (``T`` the assignment as
   randomised): covariates and strata fixed effects only, the same family (the negative
   binomial's ``θ`` estimated once, as ``glm.nb`` would, from the model without treatment
   at ``τ0 = 0``, so that nothing in the residuals depends on the assignment).
2. Take each person's score residual for a linear predictor term: ``y - μ̂`` (Poisson),
   ``(y - μ̂) θ / (θ + μ̂)`` (negative binomial), the martingale residual
   ``δ - Ĥ₀(t) e^η̂`` (Cox, Breslow), and sum them within randomised units.
3. The statistic is ``S(T*) = Σ_units T*_u r_u``, the treated units' total residual; ``T*``
   runs over assignments re-drawn from the actual design (whole clusters, each stratum
   keeping its number treated: :class:`hearten.stats.randomised_units.RandomisedUnits`),
   every one of them when they can be listed (seven offices, three treated: 35), else
   ``reps`` seeded draws.
   The two-sided p-value is the share of draws with ``|S*| ≥ |S|``.
4. The interval is every ``τ0`` not rejected at ``alpha``, found by bisection.

At ``τ0 = 0`` the test is exact under the sharp null of no effect on anyone, whatever the
model: the outcome does not depend on the assignment, and the residuals are computed without
it. Away from 0 the offset puts the treated arm's counts or hazards on the control scale, as
the hypothesised ratio implies; the interval is that of the hypothesised constant ratio. The
covariates, the strata and the family only sharpen the statistic; they never make the test
invalid. The residuals' sum within each stratum is zero (their scores for the strata fixed
effects), so ``S*`` is centred at zero under every design here.

With six clusters split three and three there are only 20 assignments, so the smallest
two-sided p-value is 0.1: no test of such a trial can reject at 5%, and the interval is
unbounded. Hearten reports that rather than an answer the design cannot give.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import numpy as np
import statsmodels.api as sm
from numpy.typing import ArrayLike, NDArray

from hearten.stats.randomised_units import RandomisedUnits, adjustment_matrix, assignment_codes
from hearten.stats.resampling import ResamplingTest, resampling_test

RatioFamily = Literal["poisson", "negbin", "cox"]
#: Below this many randomised units the count and Cox models default to randomisation
#: inference (the plan can change it: ``analysis.hr.ri_below_clusters``). With 20 or more,
#: the cluster-robust normal test's size is close to nominal (Cameron and Miller 2015).
RI_BELOW_CLUSTERS = 20
#: Statistics within this fraction of the residuals' total size count as equal.
TIE_TOLERANCE = 1e-7
#: The interval's search stops at this log ratio (a ratio of about 1100 either way): a limit
#: beyond it is reported as unbounded.
MAX_LOG_RATIO = 7.0


def share_as_extreme(
    observed: float, drawn: ArrayLike, parts: ArrayLike, enumerated: bool
) -> float:
    """The p-value of a re-drawn statistic: the share of ``drawn`` at least as extreme as
    ``observed`` (every draw when ``enumerated``, else with the observed one counted in).
    Ties within the GLM's convergence (the per-cluster ``parts`` sum to zero only to ~1e-9 of
    their size): the mirror-image draw must count as extreme as the observed one."""
    tie = TIE_TOLERANCE * float(np.abs(np.asarray(parts)).sum())
    values = np.asarray(drawn)
    extreme = int(np.sum(values >= observed - tie))
    draws = len(values)
    return extreme / draws if enumerated else (1 + extreme) / (1 + draws)


def null_count_family(
    y: NDArray[np.float64],
    X: NDArray[np.float64],
    log_exposure: NDArray[np.float64],
    family: Literal["poisson", "negbin"],
) -> tuple[Any, float | None]:
    """The null count model's GLM family and the negative binomial's ``θ``: estimated once,
    as ``glm.nb`` would, from the model without treatment at ``τ0 = 0`` (module docstring),
    and held fixed; ``None``, and the Poisson family, for Poisson or at the Poisson
    boundary."""
    from hearten.stats.counts import fit_negbin

    theta = None
    if family == "negbin":
        poisson = sm.GLM(y, X, family=sm.families.Poisson(), offset=log_exposure).fit(tol=1e-12)
        theta = fit_negbin(y, X, log_exposure, poisson)[1]
    glm_family = (
        sm.families.Poisson() if theta is None else sm.families.NegativeBinomial(alpha=1 / theta)
    )
    return glm_family, theta


def count_residuals(
    outcome: ArrayLike,
    treat: ArrayLike,
    exposure: ArrayLike,
    covariates: ArrayLike | None,
    s_codes: NDArray[np.int64],
    family: Literal["poisson", "negbin"],
) -> Callable[[float], NDArray[np.float64]]:
    """Each person's score residual of the null count model, as a function of ``τ0``.

    The negative binomial's ``θ`` comes from the null model at ``τ0 = 0`` (module
    docstring); at the Poisson boundary the residuals are Poisson's."""
    y = np.asarray(outcome, dtype=np.float64)
    t = np.asarray(treat, dtype=np.float64)
    log_e = np.log(np.asarray(exposure, dtype=np.float64))
    X = adjustment_matrix(len(y), covariates, s_codes)
    glm_family, theta = null_count_family(y, X, log_e, family)

    def residuals(tau0: float) -> NDArray[np.float64]:
        fit = sm.GLM(y, X, family=glm_family, offset=log_e + tau0 * t).fit(tol=1e-12)
        mu = np.asarray(fit.fittedvalues)
        r = y - mu
        return np.asarray(r if theta is None else r * theta / (theta + mu), dtype=np.float64)

    return residuals


def cox_residuals(
    time: ArrayLike,
    event: ArrayLike,
    treat: ArrayLike,
    covariates: ArrayLike | None,
    s_codes: NDArray[np.int64],
) -> Callable[[float], NDArray[np.float64]]:
    """Each person's martingale residual of the null Cox model (Breslow), given ``τ0``."""
    from hearten.stats.survival import breslow_fit, martingale_residuals

    tm = np.asarray(time, dtype=np.float64)
    ev = np.asarray(event, dtype=np.float64)
    t = np.asarray(treat, dtype=np.float64)
    X = adjustment_matrix(len(tm), covariates, s_codes, intercept=False)

    def residuals(tau0: float) -> NDArray[np.float64]:
        offset = tau0 * t
        eta = offset
        if X.shape[1]:
            beta, _, _ = breslow_fit(tm, ev, X, offset)
            eta = X @ beta + offset
        return martingale_residuals(tm, ev, eta)

    return residuals


def ratio_randomisation_test(
    residuals: Callable[[float], NDArray[np.float64]],
    treat: ArrayLike,
    estimate: float,
    std_error: float,
    strata: ArrayLike | None = None,
    cluster: ArrayLike | None = None,
    reps: int = 9999,
    seed: int = 0,
    alpha: float = 0.05,
    term: str = "treatment",
    interval: bool = True,
) -> ResamplingTest:
    """The randomisation test of ``τ = 0`` and its inverted interval (module docstring).

    Args:
        residuals: the null model's residuals given ``τ0`` (:func:`count_residuals`,
            :func:`cox_residuals`).
        treat: 0/1 assignment as randomised.
        estimate, std_error: the model's log ratio and its SE (reported; the SE only sets
            the first step of the interval's search).
        strata, cluster: the randomisation strata and randomised units (``None``: people).
        reps, seed: random re-draws when the assignments are too many to list.
        interval: ``False`` skips inverting the test (for simulation studies).
    """
    t, s_codes, c_codes = assignment_codes(treat, strata, cluster)
    units = RandomisedUnits.of(t, c_codes, s_codes)
    G = len(units.treated)
    U, enumerated = units.redrawn_units(reps, seed, G)

    def p_value(tau0: float) -> float:
        if abs(tau0) > MAX_LOG_RATIO:
            return 1.0  # past any ratio the data could speak to: reported as unbounded
        r = np.bincount(c_codes, weights=residuals(tau0), minlength=G)
        return share_as_extreme(abs(float(units.treated @ r)), np.abs(r @ U), r, enumerated)

    return resampling_test(
        "ri",
        term,
        estimate,
        p_value,
        se=std_error,
        alpha=alpha,
        reps=int(U.shape[1]),
        enumerated=enumerated,
        seed=seed,
        interval=interval,
    )
