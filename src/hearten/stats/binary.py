"""Binary outcomes (left within 12 months, any absence): logistic regression.

``logit P(y = 1) = a + Σ_j τ_j T_j + X β + strata``, fitted with statsmodels' binomial GLM.
Each arm gets the odds ratio ``exp(τ_j)`` and the average marginal effect, the risk
difference ``mean_i [P(y_i = 1 | arm j) - P(y_i = 1 | control)]`` over everyone's covariates,
with a delta-method standard error (Stata's ``margins, dydx()`` for a factor). Errors are
the cluster-robust sandwich (``G/(G-1)``) or HC0, as R's ``sandwich`` computes them
(:func:`hearten.stats.vcov.glm_sandwich`); tests and intervals are normal. The linear
probability model is :func:`hearten.stats.estimate.estimate_itt` on the 0/1 outcome.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import statsmodels.api as sm
from numpy.typing import ArrayLike
from scipy import stats as sps
from scipy.special import expit

from hearten.errors import EstimationError
from hearten.stats.estimate import cluster_codes, design_matrix, treatment_columns
from hearten.stats.vcov import glm_sandwich


@dataclass(frozen=True, slots=True)
class BinaryEffect:
    """One arm against control: odds ratio, and risk difference (average marginal effect)."""

    term: str
    log_odds: float
    std_error: float
    p_value: float
    odds_ratio: float
    or_conf_low: float
    or_conf_high: float
    risk_difference: float
    rd_std_error: float
    rd_conf_low: float
    rd_conf_high: float
    rd_p_value: float


@dataclass(frozen=True, slots=True)
class BinaryFit:
    """A logistic model of each arm against control.

    Attributes:
        effects: one :class:`BinaryEffect` per non-control arm.
        names, coef, std_error: every coefficient (log-odds scale).
        control_risk: the share with the outcome in the control arm.
        n, n_clusters, alpha: sample, clusters (``None`` unclustered), significance level.
    """

    effects: tuple[BinaryEffect, ...]
    names: tuple[str, ...]
    coef: tuple[float, ...]
    std_error: tuple[float, ...]
    control_risk: float
    n: int
    n_clusters: int | None
    alpha: float


def estimate_binary(
    outcome: ArrayLike,
    arm: Sequence[str],
    control: str,
    covariates: Mapping[str, ArrayLike] | None = None,
    strata: Sequence[str] | None = None,
    cluster: ArrayLike | None = None,
    alpha: float = 0.05,
) -> BinaryFit:
    """Odds ratios and risk differences of each arm against control (module docstring)."""
    y = np.asarray(outcome, dtype=np.float64)
    if not np.all(np.isin(y, (0.0, 1.0))):
        raise EstimationError("a binary outcome must be 0 or 1")
    treat = treatment_columns(arm, control)
    arms = np.asarray(arm, dtype=object)
    for a in [control, *treat]:
        events = y[arms == a]
        if events.min() == events.max():
            raise EstimationError(
                f"in arm {a!r} {'everyone' if events[0] else 'nobody'} has the outcome, so the "
                "odds ratio is undefined: report the risk difference from the linear "
                "probability model instead"
            )
    X, names = design_matrix(len(y), treat, covariates, strata)
    codes = cluster_codes(cluster, len(y))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            fit = sm.GLM(y, X, family=sm.families.Binomial()).fit(tol=1e-12)
        except Exception as exc:  # separation or non-convergence, in statsmodels' words
            raise EstimationError(f"the logistic model could not be fitted: {exc}") from None
    beta = np.asarray(fit.params)
    mu = expit(X @ beta)
    V = glm_sandwich(X, y, mu, mu * (1 - mu), mu * (1 - mu), codes)
    se = np.sqrt(np.diag(V))
    z = sps.norm.ppf(1 - alpha / 2)
    effects = []
    for a in treat:
        j = names.index(a)
        X1, X0 = X.copy(), X.copy()
        X1[:, [names.index(t) for t in treat]] = 0.0
        X0[:, [names.index(t) for t in treat]] = 0.0
        X1[:, j] = 1.0
        p1, p0 = expit(X1 @ beta), expit(X0 @ beta)
        rd = float(np.mean(p1 - p0))
        grad = ((p1 * (1 - p1))[:, None] * X1 - (p0 * (1 - p0))[:, None] * X0).mean(axis=0)
        rd_se = float(np.sqrt(grad @ V @ grad))
        b, s = float(beta[j]), float(se[j])
        effects.append(
            BinaryEffect(
                term=a,
                log_odds=b,
                std_error=s,
                p_value=float(2 * sps.norm.sf(abs(b / s))),
                odds_ratio=float(np.exp(b)),
                or_conf_low=float(np.exp(b - z * s)),
                or_conf_high=float(np.exp(b + z * s)),
                risk_difference=rd,
                rd_std_error=rd_se,
                rd_conf_low=rd - z * rd_se,
                rd_conf_high=rd + z * rd_se,
                rd_p_value=float(2 * sps.norm.sf(abs(rd / rd_se))),
            )
        )
    return BinaryFit(
        effects=tuple(effects),
        names=tuple(names),
        coef=tuple(float(v) for v in beta),
        std_error=tuple(float(v) for v in se),
        control_risk=float(y[arms == control].mean()),
        n=len(y),
        n_clusters=None if codes is None else int(codes.max()) + 1,
        alpha=alpha,
    )
