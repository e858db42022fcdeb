"""Counts with exposure: sickness-absence days or spells, as Poisson or negative binomial GLMs.

The model is ``log E[y] = log(exposure) + a + Σ_j τ_j T_j + X β + strata``, so ``exp(τ_j)``
is the rate ratio of arm ``j`` against control (absence days per FTE-day employed, when
exposure is FTE × days employed in the follow-up window). Fitted with statsmodels:

* Poisson: ``GLM(family=Poisson, offset=log exposure)``;
* negative binomial (NB2, variance ``μ + μ²/θ``): ``θ`` by maximum likelihood
  (``statsmodels.discrete.NegativeBinomial``), then the GLM with ``θ`` fixed, as R's
  ``MASS::glm.nb`` does, so the robust variance treats ``θ`` as known like
  ``sandwich::vcovCL`` on a ``glm.nb`` fit.

Errors are cluster-robust by the randomised unit with the ``G/(G-1)`` factor (sandwich's
``vcovCL`` default for GLMs, and Stata's for non-linear models; no ``(n-1)/(n-k)`` factor) or,
unclustered, the HC0 sandwich; intervals and tests are normal. The sandwich is computed here,
as R's ``sandwich`` does (:func:`hearten.stats.vcov.glm_sandwich`: expected information,
where statsmodels uses the observed Hessian, which differs for the negative binomial's
non-canonical log link).

Diagnostics: the Pearson dispersion ``Σ (y - μ̂)²/μ̂ / (n - k)`` of the Poisson fit (well
above 1 means over-dispersion: prefer the negative binomial), and zeros observed against
zeros the fitted model expects (``Σ e^(-μ̂)`` for Poisson, ``Σ (θ/(θ + μ̂))^θ`` for the
negative binomial): many more observed than expected suggests zero inflation.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
import statsmodels.api as sm
from numpy.typing import ArrayLike
from scipy import stats as sps
from statsmodels.tools.sm_exceptions import ConvergenceWarning

from hearten.errors import EstimationError
from hearten.stats.estimate import cluster_codes, design_matrix, treatment_columns
from hearten.stats.vcov import glm_sandwich

CountFamily = Literal["poisson", "negbin"]
COUNT_FAMILIES: tuple[CountFamily, ...] = get_args(CountFamily)


@dataclass(frozen=True, slots=True)
class RateRatio:
    """One arm's effect on the rate: ``log_rr`` and its SE, the rate ratio and its interval."""

    term: str
    log_rr: float
    std_error: float
    statistic: float
    p_value: float
    rate_ratio: float
    conf_low: float
    conf_high: float


@dataclass(frozen=True, slots=True)
class CountFit:
    """A count model of each arm against control.

    Attributes:
        family: ``poisson`` or ``negbin``.
        effects: one :class:`RateRatio` per non-control arm.
        names, coef, std_error: every coefficient (log scale).
        theta: the negative binomial's ``θ`` (``None`` for Poisson).
        pearson_dispersion: Pearson χ²/df of the Poisson fit (over-dispersion above 1).
        zeros_observed, zeros_expected: observed zeros and those the fitted model expects.
        n, n_clusters, alpha: sample, clusters (``None`` unclustered), significance level.
    """

    family: CountFamily
    effects: tuple[RateRatio, ...]
    names: tuple[str, ...]
    coef: tuple[float, ...]
    std_error: tuple[float, ...]
    theta: float | None
    pearson_dispersion: float
    zeros_observed: int
    zeros_expected: float
    n: int
    n_clusters: int | None
    alpha: float


def estimate_counts(
    outcome: ArrayLike,
    arm: Sequence[str],
    control: str,
    exposure: ArrayLike,
    covariates: Mapping[str, ArrayLike] | None = None,
    strata: Sequence[str] | None = None,
    cluster: ArrayLike | None = None,
    family: CountFamily = "negbin",
    alpha: float = 0.05,
) -> CountFit:
    """Rate ratios of each arm against control (module docstring)."""
    if family not in COUNT_FAMILIES:
        raise EstimationError(f"unknown count family {family!r}: choose poisson or negbin")
    y = np.asarray(outcome, dtype=np.float64)
    e = np.asarray(exposure, dtype=np.float64)
    if np.any(y < 0) or np.any(y != np.round(y)):
        raise EstimationError("a count outcome must be whole numbers of 0 or more")
    if e.shape != y.shape or np.any(~np.isfinite(e)) or np.any(e <= 0):
        raise EstimationError(
            "exposure must be positive for everyone (e.g. FTE × days employed in the "
            "follow-up window); drop people with no time at risk"
        )
    treat = treatment_columns(arm, control)
    X, names = design_matrix(len(y), treat, covariates, strata)
    codes = cluster_codes(cluster, len(y))
    if codes is not None and codes.max() < 1:
        raise EstimationError("cluster-robust errors need at least two clusters")
    offset = np.log(e)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        try:
            poisson = sm.GLM(y, X, family=sm.families.Poisson(), offset=offset).fit()
            theta = None
            if family == "negbin":
                nb = sm.NegativeBinomial(y, X, offset=offset, loglike_method="nb2").fit(
                    start_params=np.r_[poisson.params, 1.0],
                    method="newton",
                    maxiter=200,
                    disp=False,
                )
                theta = 1.0 / float(nb.params[-1])
                glm_family = sm.families.NegativeBinomial(alpha=1.0 / theta)
            else:
                glm_family = sm.families.Poisson()
            fit = sm.GLM(y, X, family=glm_family, offset=offset).fit(
                start_params=poisson.params, tol=1e-12
            )
        except (ConvergenceWarning, np.linalg.LinAlgError, ValueError) as exc:
            raise EstimationError(f"the {family} model did not converge: {exc}") from None
    mu_p = poisson.fittedvalues
    dispersion = float(np.sum((y - mu_p) ** 2 / mu_p) / (len(y) - len(names)))
    mu = fit.fittedvalues
    expected = (np.exp(-mu) if theta is None else (theta / (theta + mu)) ** theta).sum()
    G = None if codes is None else int(codes.max()) + 1
    variance = mu if theta is None else mu + mu**2 / theta
    mu = np.asarray(mu)
    bse = np.sqrt(np.diag(glm_sandwich(X, y, mu, mu, np.asarray(variance), codes)))
    z = sps.norm.ppf(1 - alpha / 2)
    effects = []
    for a in treat:
        i = names.index(a)
        b, se = float(fit.params[i]), float(bse[i])
        effects.append(
            RateRatio(
                a,
                b,
                se,
                b / se,
                float(2 * sps.norm.sf(abs(b / se))),
                float(np.exp(b)),
                float(np.exp(b - z * se)),
                float(np.exp(b + z * se)),
            )
        )
    return CountFit(
        family=family,
        effects=tuple(effects),
        names=tuple(names),
        coef=tuple(float(v) for v in fit.params),
        std_error=tuple(float(v) for v in bse),
        theta=theta,
        pearson_dispersion=dispersion,
        zeros_observed=int(np.sum(y == 0)),
        zeros_expected=float(expected),
        n=len(y),
        n_clusters=G,
        alpha=alpha,
    )
