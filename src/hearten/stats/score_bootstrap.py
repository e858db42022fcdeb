"""The wild score bootstrap for rate and hazard ratios with few clusters (Kline and Santos
2012): an alternative to the randomisation test of :mod:`hearten.stats.ratio_inference`.

Under the hypothesis ``τ = τ0`` the model is fitted *without* the treatment term, ``τ0 T``
in the offset (the same null fits as the randomisation test). Each person's contribution to
the score for ``τ``, made orthogonal to the nuisance parameters (covariates, strata, the
intercept) by the model's information, is

* counts (log link): ``s_i = (T_i - x_i γ) r_i`` with the score residual
  ``r_i = (y_i - μ_i) θ/(θ + μ_i)`` (Poisson: ``y_i - μ_i``) and ``γ`` the regression of
  ``T`` on the nuisance columns with the working weights ``μ_i θ/(θ + μ_i)``;
* Cox (Breslow): ``s_i = U_iT - U_iX γ`` from the score residuals ``U`` of the model with
  ``T`` at ``τ0`` and ``γ = I_XX⁻¹ I_XT`` from its information.

Summed within randomised units (``s_g``), the statistic is ``S = Σ_g s_g`` (which equals
``Σ T_i r_i``, the randomisation test's) studentised by ``√Σ_g s_g²``. The bootstrap flips
the sign of each unit's score with a Rademacher weight, ``S* = Σ_g w_g s_g``; with ``w² = 1``
the denominator does not change, so the p-value is the share of sign vectors with
``|S*| ≥ |S|``, every one of the ``2^G`` when they number at most ``reps``, else ``reps``
seeded draws. The interval is every ``τ0`` not rejected, by bisection. Unlike the
randomisation test it does not need the design's allocations, and it keeps more distinct
values with few units (64 sign vectors for six offices against 20 allocations), but its size
with very few clusters rests on the units' scores being alike in scale (Canay, Santos and
Shaikh 2021); the randomisation test's does not.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import product
from typing import Literal

import numpy as np
import statsmodels.api as sm
from numpy.typing import ArrayLike, NDArray

from hearten.errors import EstimationError
from hearten.stats.randomised_units import adjustment_matrix, label_codes
from hearten.stats.ratio_inference import MAX_LOG_RATIO, null_count_family, share_as_extreme
from hearten.stats.resampling import ResamplingTest, resampling_test

#: Central differences of the Cox score in each nuisance coefficient, in its own units.
_STEP = 1e-5


def count_scores(
    outcome: ArrayLike,
    treat: ArrayLike,
    exposure: ArrayLike,
    covariates: ArrayLike | None,
    strata: ArrayLike | None,
    family: Literal["poisson", "negbin"],
) -> Callable[[float], NDArray[np.float64]]:
    """Each person's efficient score for ``τ`` under the null count model, given ``τ0``.

    The negative binomial's ``θ`` is the null model's at ``τ0 = 0``, held fixed (as in
    :func:`hearten.stats.ratio_inference.null_count_family`)."""
    y = np.asarray(outcome, dtype=np.float64)
    t = np.asarray(treat, dtype=np.float64)
    log_e = np.log(np.asarray(exposure, dtype=np.float64))
    X = adjustment_matrix(len(y), covariates, label_codes(strata, len(y), "one"))
    glm_family, theta = null_count_family(y, X, log_e, family)

    def scores(tau0: float) -> NDArray[np.float64]:
        fit = sm.GLM(y, X, family=glm_family, offset=log_e + tau0 * t).fit(tol=1e-12)
        mu = np.asarray(fit.fittedvalues)
        shrink = np.ones_like(mu) if theta is None else theta / (theta + mu)
        w = mu * shrink
        gamma = np.linalg.solve((X * w[:, None]).T @ X, (X * w[:, None]).T @ t)
        return np.asarray((t - X @ gamma) * (y - mu) * shrink, dtype=np.float64)

    return scores


def cox_scores(
    time: ArrayLike,
    event: ArrayLike,
    treat: ArrayLike,
    covariates: ArrayLike | None,
    strata: ArrayLike | None,
) -> Callable[[float], NDArray[np.float64]]:
    """Each person's efficient score for ``τ`` under the null Cox model (Breslow), given
    ``τ0``; the information's nuisance blocks by central differences of the total score."""
    from hearten.stats.survival import breslow_fit, breslow_score_residuals

    tm = np.asarray(time, dtype=np.float64)
    ev = np.asarray(event, dtype=np.float64)
    t = np.asarray(treat, dtype=np.float64)
    X = adjustment_matrix(len(tm), covariates, label_codes(strata, len(tm), "one"), intercept=False)
    Z = np.column_stack([t, X])

    def scores(tau0: float) -> NDArray[np.float64]:
        if not X.shape[1]:
            return breslow_score_residuals(tm, ev, Z, np.array([tau0]))[:, 0]
        beta, _, _ = breslow_fit(tm, ev, X, tau0 * t)
        coef = np.r_[tau0, beta]
        U = breslow_score_residuals(tm, ev, Z, coef)
        k = X.shape[1]
        info = np.empty((k + 1, k))  # minus the derivative of the score in each β_j
        for j in range(k):
            h = _STEP * max(1.0, abs(beta[j]))
            up, down = coef.copy(), coef.copy()
            up[j + 1] += h
            down[j + 1] -= h
            info[:, j] = -(
                breslow_score_residuals(tm, ev, Z, up).sum(axis=0)
                - breslow_score_residuals(tm, ev, Z, down).sum(axis=0)
            ) / (2 * h)
        gamma = np.linalg.solve(info[1:], info[0])
        return np.asarray(U[:, 0] - U[:, 1:] @ gamma, dtype=np.float64)

    return scores


def wild_score_test(
    scores: Callable[[float], NDArray[np.float64]],
    cluster: ArrayLike,
    estimate: float,
    std_error: float,
    reps: int = 9999,
    seed: int = 0,
    alpha: float = 0.05,
    term: str = "treatment",
    interval: bool = True,
) -> ResamplingTest:
    """The wild score bootstrap test of ``τ = 0`` and its inverted interval (module
    docstring). ``scores`` is :func:`count_scores` or :func:`cox_scores`; ``estimate`` and
    ``std_error`` the model's (the SE only starts the interval's search)."""
    n = len(scores(0.0))
    c_codes = label_codes(cluster, n, "each")
    G = int(c_codes.max()) + 1
    if G < 2:
        raise EstimationError("the wild score bootstrap needs two or more clusters")
    enumerated = reps >= 2**G
    if enumerated:
        W = np.array(list(product((1.0, -1.0), repeat=G))).T
    else:
        W = np.random.default_rng(seed).choice((1.0, -1.0), size=(G, reps))

    def p_value(tau0: float) -> float:
        if abs(tau0) > MAX_LOG_RATIO:
            return 1.0
        s = np.bincount(c_codes, weights=scores(tau0), minlength=G)
        return share_as_extreme(abs(float(s.sum())), np.abs(s @ W), s, enumerated)

    return resampling_test(
        "wild-score",
        term,
        estimate,
        p_value,
        se=std_error,
        alpha=alpha,
        reps=int(W.shape[1]),
        enumerated=enumerated,
        seed=seed,
        weights="rademacher",
        interval=interval,
    )
